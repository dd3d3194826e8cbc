package rb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// newMem returns 8-aligned memory for a buffer with a data area of size.
func newMem(size int) []byte {
	return unsafeBytes(make([]uint64, (HeaderSize+size+7)/8))[:HeaderSize+size]
}

func TestRoundTripWithWraparound(t *testing.T) {
	mem := newMem(256)
	b, err := Init(mem, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Records of varied sizes go round the 256-byte area many times, each
	// consumed by both followers before the next is needed.
	for seq := uint64(1); seq <= 200; seq++ {
		out := bytes.Repeat([]byte{byte(seq)}, int(seq%50))
		if err := b.Append(seq, uint32(seq), seq*7, int64(-seq), out); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
		for f := 0; f < 2; f++ {
			r, err := b.Next(f, seq)
			if err != nil {
				t.Fatalf("follower %d, record %d: %v", f, seq, err)
			}
			if r.Nr != uint32(seq) || r.Digest != seq*7 || r.Ret != int64(-seq) || !bytes.Equal(r.Out, out) {
				t.Fatalf("follower %d got %+v", f, r)
			}
		}
		if _, err := b.Next(0, seq+1); !errors.Is(err, ErrEmpty) {
			t.Fatalf("after %d: %v, want ErrEmpty", seq, err)
		}
	}
}

// The leader never overwrites what the slowest follower has not read: it
// gets ErrFull, and can go on once that follower catches up.
func TestFullBlocksOnSlowestFollower(t *testing.T) {
	b, err := Init(newMem(512), 2)
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(1)
	for ; ; seq++ {
		err := b.Append(seq, 1, 0, 0, make([]byte, 24))
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Next(0, seq); err != nil { // follower 0 keeps up
			t.Fatal(err)
		}
	}
	if seq < 5 {
		t.Fatalf("full after %d records", seq)
	}
	// Follower 1 reads everything; then the leader can append again, and
	// nothing was lost on the way.
	for s := uint64(1); s < seq; s++ {
		if _, err := b.Next(1, s); err != nil {
			t.Fatalf("follower 1, record %d: %v", s, err)
		}
	}
	if err := b.Append(seq, 1, 0, 0, make([]byte, 24)); err != nil {
		t.Fatalf("after catching up: %v", err)
	}
}

// A variant that writes the shared memory cannot make a follower trust a
// record the leader did not write.
func TestTamperingIsDetected(t *testing.T) {
	tamper := map[string]func(mem []byte){
		"size not a multiple of 8": func(m []byte) { m[HeaderSize+recSize] = 41 },
		"size past the area":       func(m []byte) { putU32(m[HeaderSize+recSize:], 4096) },
		"size past head":           func(m []byte) { putU32(m[HeaderSize+recSize:], 128) },
		"unknown kind":             func(m []byte) { m[HeaderSize+recKind] = 9 },
		"sequence number":          func(m []byte) { m[HeaderSize+recSeq] = 5 },
		"output longer than record": func(m []byte) {
			putU32(m[HeaderSize+recOutLen:], 200)
		},
		"head moved back": func(m []byte) { putU64(m[offHead:], 0); putU64(m[offTail:], 56) },
		"head too far":    func(m []byte) { putU64(m[offHead:], 1<<40) },
		"pad in the middle": func(m []byte) {
			m[HeaderSize+recKind] = KindPad
		},
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			mem := newMem(256)
			b, err := Init(mem, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Append(1, 3, 4, 5, []byte("output")); err != nil {
				t.Fatal(err)
			}
			f(mem)
			if _, err := b.Next(0, 1); !errors.Is(err, ErrTampered) {
				t.Fatalf("got %v, want ErrTampered", err)
			}
		})
	}
	mem := newMem(256)
	if _, err := Init(mem, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(mem, 2); !errors.Is(err, ErrTampered) {
		t.Errorf("Open with another follower count: %v", err)
	}
	if _, err := Open(mem[:HeaderSize+128], 1); !errors.Is(err, ErrTampered) {
		t.Errorf("Open with another size: %v", err)
	}
	if _, err := Open(mem, 1); err != nil {
		t.Errorf("Open: %v", err)
	}
}

func TestInitRejects(t *testing.T) {
	if _, err := Init(newMem(200), 1); err == nil {
		t.Error("data area not a power of two accepted")
	}
	if _, err := Init(newMem(256), MaxFollowers+1); err == nil {
		t.Error("too many followers accepted")
	}
	if _, err := Init(newMem(256)[1:], 1); err == nil {
		t.Error("unaligned memory accepted")
	}
}

// The C side (ipmon/rb.h) and this package describe one layout: compile
// the header with the machine's C compiler and compare every offset.
func TestLayoutMatchesC(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc: the C side is checked where IP-MON is built")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "layout.c")
	prog := `#include "rb.h"
#include <stdio.h>
#include <stddef.h>
int main(void) {
	printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n",
		sizeof(struct dmvx_rb_header), offsetof(struct dmvx_rb_header, data_size),
		offsetof(struct dmvx_rb_header, head), offsetof(struct dmvx_rb_header, tail),
		offsetof(struct dmvx_rb_header, leader_futex), offsetof(struct dmvx_rb_header, follower_futex),
		sizeof(struct dmvx_rb_record), offsetof(struct dmvx_rb_record, digest),
		offsetof(struct dmvx_rb_record, ret), offsetof(struct dmvx_rb_header, local_end));
	printf("%d %llx %d\n", DMVX_RB_MAX_FOLLOWERS, DMVX_RB_MAGIC, DMVX_RB_VERSION);
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(cc, "-I", "../../ipmon", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("compiling ipmon/rb.h: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "512 16 64 128 184 104 40 24 32 120\n7 3130425258564d44 4\n"
	if got := string(out); got != want {
		t.Errorf("C layout:\n%s\nGo layout:\n%s", got, want)
	}
	if !strings.HasPrefix(want, "512 ") || HeaderSize != 512 || offDataSize != 16 || offHead != 64 ||
		offTail != 128 || offLeaderFutex != 184 || offFollowerFutex != 104 || RecordSize != 40 ||
		recDigest != 24 || recRet != 32 || MaxFollowers != 7 || Magic != 0x3130425258564d44 || Version != 4 || offLocalEnd != 120 ||
		offSeen != 192 || offSeq != 72 || offCalls != 80 || offFollowerWaits != 248 ||
		offFollowersSleeping != 256 || offLeaderSleeping != 320 || offHeadSeen != 384 || offClosed != 24 {
		t.Error("Go constants changed without the C header")
	}
}

// addSeed gives a fuzz target a 256-byte buffer's head and seq, follower
// 0's tail, and data area, holding a call's record and CP-MON's.
func addSeed(f *testing.F) {
	seed := newMem(256)
	b, _ := Init(seed, 1)
	_ = b.Append(1, 1, 2, 3, []byte("out"))
	_ = b.AppendMarker(9)
	f.Add(append([]byte(nil), seed[offHead:offHead+16]...), append([]byte(nil), seed[offTail:offTail+8]...),
		append([]byte(nil), seed[HeaderSize:]...))
}

// fuzzBuffer is a 256-byte buffer for one follower with what a fuzz
// target was given written over its head and seq, the follower's tail, and
// its data area.
func fuzzBuffer(t *testing.T, lead, tail, data []byte) *Buffer {
	mem := newMem(256)
	b, err := Init(mem, 1)
	if err != nil {
		t.Fatal(err)
	}
	copy(mem[offHead:offHead+16], lead) // head and seq
	copy(mem[offTail:offTail+8], tail)
	copy(mem[HeaderSize:], data)
	return b
}

// FuzzPeek: a follower reads memory that another variant (a compromised
// leader, or for the shipper, the leader's whole buffer) can write. Whatever
// the header's positions and the records hold, Peek returns a record that
// fits or an error, and never panics or reads outside the buffer.
func FuzzPeek(f *testing.F) {
	addSeed(f)
	f.Fuzz(func(t *testing.T, lead, tail, data []byte) {
		b := fuzzBuffer(t, lead, tail, data)
		for i := 0; i < 64; i++ {
			r, err := b.Peek(0)
			if err != nil {
				return
			}
			if len(r.Out) > 256 || r.size > 256 {
				t.Fatalf("record of %d bytes with %d of output from a 256-byte area", r.size, len(r.Out))
			}
			b.Consume(0, r)
		}
	})
}

// FuzzAppendRaw: the shipper reads a leader's buffer, which the leader's
// variant can write. Whatever it holds, AppendRaw returns records that
// ParseRaw accepts, numbered in turn, or an error, and never panics or
// reads outside the buffer.
func FuzzAppendRaw(f *testing.F) {
	addSeed(f)
	f.Fuzz(func(t *testing.T, lead, tail, data []byte) {
		b := fuzzBuffer(t, lead, tail, data)
		raw, n, _ := b.AppendRaw(0, nil, 1<<20, func(int) bool { return true })
		seq := uint64(0)
		for i := 0; i < n; i++ {
			r, size, err := ParseRaw(raw)
			if err != nil || (i > 0 && r.Seq != seq+1) {
				t.Fatalf("record %d of %d: %+v, %v", i, n, r, err)
			}
			seq = r.Seq
			raw = raw[size:]
		}
		if len(raw) != 0 {
			t.Fatalf("%d bytes after %d records", len(raw), n)
		}
	})
}

// rawOf is records in raw form, as a buffer holds them (AppendRaw's).
func rawOf(t *testing.T, recs []Record) []byte {
	t.Helper()
	src, err := Init(newMem(1<<16), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) > 0 {
		src.StartAt(recs[0].Seq - 1)
	}
	for _, r := range recs {
		if err := src.put(src.load64(offHead), r.Kind, r.Seq, r.Nr, r.Digest, r.Ret, r.Out); err != nil {
			t.Fatal(err)
		}
	}
	raw, n, err := src.AppendRaw(0, nil, 1<<20, func(int) bool { return true })
	if err != nil || n != len(recs) {
		t.Fatalf("%d of %d records in raw form: %v", n, len(recs), err)
	}
	return raw
}

// ReplayRaw puts as many records as fit (pads at the end of the area
// included), and the rest wait; what a follower reads is every record, in
// order, intact. Records out of sequence, pads and records whose size is
// not their output's are refused.
func TestReplayRaw(t *testing.T) {
	b, err := Init(newMem(512), 1)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for seq := uint64(1); seq <= 300; seq++ {
		kind := uint32(KindCall)
		if seq%13 == 0 {
			kind = KindCPMON
		}
		recs = append(recs, Record{Kind: kind, Seq: seq, Nr: uint32(seq), Digest: seq * 3, Ret: int64(seq),
			Out: bytes.Repeat([]byte{byte(seq)}, int(seq*7%90))})
	}
	raw := rawOf(t, recs)
	next, read, partial := 0, 0, false
	for read < len(recs) {
		used, n, err := b.ReplayRaw(raw)
		if err != nil {
			t.Fatal(err)
		}
		if used < len(raw) {
			partial = true
		}
		raw = raw[used:]
		next += n
		// The follower reads two records at a time.
		for k := 0; k < 2 && read < next; k++ {
			r, err := b.Peek(0)
			if err != nil {
				t.Fatalf("record %d: %v", read+1, err)
			}
			w := recs[read]
			if r.Kind != w.Kind || r.Seq != w.Seq || r.Nr != w.Nr || r.Digest != w.Digest || r.Ret != w.Ret || !bytes.Equal(r.Out, w.Out) {
				t.Fatalf("got %+v, want %+v", r, w)
			}
			b.Consume(0, r)
			read++
		}
	}
	if !partial {
		t.Error("every batch fitted: the test did not fill the buffer")
	}
	wrong := rawOf(t, []Record{{Kind: KindCall, Seq: 302}})
	if used, n, err := b.ReplayRaw(wrong); err == nil || n != 0 || used != 0 {
		t.Errorf("a record out of sequence: %d written, %v", n, err)
	}
	pad := rawOf(t, []Record{{Kind: KindCall, Seq: 301}})
	binary.LittleEndian.PutUint32(pad[recKind:], KindPad)
	if _, n, err := b.ReplayRaw(pad); err == nil || n != 0 {
		t.Errorf("a pad: %d written, %v", n, err)
	}
	long := rawOf(t, []Record{{Kind: KindCall, Seq: 301, Out: []byte("12345")}})
	binary.LittleEndian.PutUint32(long[recOutLen:], 9)
	if _, n, err := b.ReplayRaw(long); err == nil || n != 0 {
		t.Errorf("a size that is not the output's: %d written, %v", n, err)
	}
}

// AppendRaw takes records while take allows, and up to its limit; what it
// takes is consumed, the rest waits for the next call. A record numbered
// out of turn is tampering.
func TestAppendRaw(t *testing.T) {
	b, err := Init(newMem(1024), 1)
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 10; seq++ {
		if err := b.Append(seq, 1, 0, 0, bytes.Repeat([]byte{'x'}, int(seq))); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	raw, n, err := b.AppendRaw(0, nil, 1<<20, func(out int) bool { calls++; return out <= 3 })
	if err != nil || n != 3 || calls != 4 {
		t.Fatalf("took %d records after %d looks, %v", n, calls, err)
	}
	raw, n, err = b.AppendRaw(0, raw, len(raw)+1, func(int) bool { return true })
	if err != nil || n != 1 {
		t.Fatalf("with room for one more: took %d, %v", n, err)
	}
	r, err := b.Peek(0)
	if err != nil || r.Seq != 5 {
		t.Fatalf("next is %+v, %v; want record 5", r, err)
	}
	// A variant writes record 5's number over.
	binary.LittleEndian.PutUint64(b.mem[HeaderSize+4*48+recSeq:], 9) // records 1-4 take 48 bytes each
	if _, _, err := b.AppendRaw(0, nil, 1<<20, func(int) bool { return true }); !errors.Is(err, ErrTampered) {
		t.Errorf("a record numbered out of turn: %v, want tampering", err)
	}
}
