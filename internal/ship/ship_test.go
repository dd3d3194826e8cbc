package ship

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"dmvx/internal/rb"
	"dmvx/internal/wire"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"
)

// buffer maps shared memory for a buffer with a data area of size bytes
// and n followers, as CP-MON does for a thread.
func buffer(t *testing.T, size, n int) *rb.Buffer {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, rb.HeaderSize+size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Munmap(mem) })
	b, err := rb.Init(mem, n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPackUnpack(t *testing.T) {
	recs := []rb.Record{
		{Kind: rb.KindCall, Seq: 7, Nr: 1, Digest: 0xfeed, Ret: 6, Out: []byte("hello\n")},
		{Kind: rb.KindCPMON, Seq: 8, Nr: 257},
		{Kind: rb.KindCall, Seq: 9, Nr: 0, Ret: -11, Out: []byte{}},
	}
	got, err := Unpack(Pack(recs))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs, got, cmpopts.IgnoreUnexported(rb.Record{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("records (-packed +unpacked):\n%s", diff)
	}
	bad := func(recs ...rb.Record) []byte { return Pack(recs) }
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"a pad", bad(rb.Record{Kind: rb.KindPad, Seq: 1})},
		{"an unknown kind", bad(rb.Record{Kind: 9, Seq: 1})},
		{"a gap in the numbers", bad(rb.Record{Kind: rb.KindCall, Seq: 1}, rb.Record{Kind: rb.KindCall, Seq: 3})},
		{"cut short", Pack(recs)[:20]},
		{"a count past the payload", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"bytes left over", append(Pack(recs), 0)},
	} {
		if _, err := Unpack(tc.p); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v, want malformed", tc.name, err)
		}
	}
}

// socketPair is the link between a shipper and an injector (in a run, two
// connectors and a TLS connection sit in between).
func socketPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var c [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		if c[i], err = net.FileConn(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	t.Cleanup(func() { c[0].Close(); c[1].Close() })
	return c[0], c[1]
}

// A leader writes 20000 records (calls and CP-MON's) into a 4 KiB buffer
// with a local follower and the shipper's slot; the records cross a socket
// in frames and are injected into another host's 4 KiB buffer, whose
// follower reads slowly. Every record arrives, in order, intact: the slow
// reader holds the leader back, and nothing is dropped.
func TestShipAndInject(t *testing.T) {
	const n = 20000
	src := buffer(t, 4096, 2) // slot 0: a local follower; slot 1: the shipper
	dst := buffer(t, 4096, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := make([]rb.Record, 0, n)
	for i := 1; i <= n; i++ {
		r := rb.Record{Kind: rb.KindCall, Seq: uint64(i), Nr: uint32(i % 300), Digest: uint64(i) * 0x9e3779b97f4a7c15,
			Ret: int64(i % 7), Out: bytes.Repeat([]byte{byte(i)}, i%97)}
		if i%50 == 0 {
			r = rb.Record{Kind: rb.KindCPMON, Seq: uint64(i), Nr: 59}
		}
		want = append(want, r)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 5)
	// The leader.
	wg.Add(1)
	leaderWaits := 0
	go func() {
		defer wg.Done()
		defer src.Close()
		for _, r := range want {
			for {
				var err error
				if r.Kind == rb.KindCPMON {
					err = src.AppendMarker(r.Nr)
				} else {
					err = src.Append(r.Seq, r.Nr, r.Digest, r.Ret, r.Out)
				}
				if err == nil {
					break
				}
				if !errors.Is(err, rb.ErrFull) || ctx.Err() != nil {
					errs <- fmt.Errorf("leader: %v", err)
					return
				}
				leaderWaits++
				src.WaitRoom(src.Room(len(r.Out)), 10*time.Millisecond)
			}
		}
	}()
	// The leader host's own follower.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for got := 0; got < n; {
			r, err := src.Peek(0)
			if errors.Is(err, rb.ErrEmpty) {
				if ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				src.WaitRecord(0, time.Millisecond)
				continue
			}
			if err != nil {
				errs <- fmt.Errorf("local follower: %v", err)
				return
			}
			src.Consume(0, r)
			got++
		}
	}()
	// The shipper, and the injector on the other end.
	a, b := socketPair(t)
	out := wire.NewConn(a, wire.Session{1})
	if err := out.Write(wire.Hello, nil); err != nil {
		t.Fatal(err)
	}
	frames := 0
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer a.Close()
		err := Ship(ctx, src, 1, 2*time.Millisecond, func(p []byte) error {
			frames++
			if err := out.Write(wire.Records, p); err != nil {
				return err
			}
			return out.Flush()
		})
		if err != nil {
			errs <- fmt.Errorf("ship: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		defer dst.Close()
		in := wire.Accept(b)
		if _, err := in.Read(); err != nil {
			errs <- err
			return
		}
		for {
			f, err := in.Read()
			if err != nil {
				return // the shipper is done
			}
			recs, err := Unpack(f.Payload)
			if err == nil {
				err = Inject(ctx, dst, recs)
			}
			if err != nil {
				errs <- fmt.Errorf("inject: %v", err)
				return
			}
		}
	}()
	// The follower host's follower, slow.
	var got []rb.Record
	for len(got) < n {
		r, err := dst.Peek(0)
		if errors.Is(err, rb.ErrEmpty) {
			if ctx.Err() != nil {
				t.Fatalf("after %d records: %v", len(got), ctx.Err())
			}
			dst.WaitRecord(0, time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("remote follower after %d records: %v", len(got), err)
		}
		dst.Consume(0, r)
		got = append(got, r)
		if len(got)%2000 == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// cmp.Diff takes seconds over 20000 records: compare field by field.
	for i := range want {
		w, g := want[i], got[i]
		if w.Kind != g.Kind || w.Seq != g.Seq || w.Nr != g.Nr || w.Digest != g.Digest || w.Ret != g.Ret || !bytes.Equal(w.Out, g.Out) {
			t.Fatalf("record %d: the leader's %+v, the follower host's %+v", i, w, g)
		}
	}
	if leaderWaits == 0 {
		t.Error("the leader never waited: the test did not exercise backpressure")
	}
	t.Logf("%d records in %d frames; the leader waited %d times", n, frames, leaderWaits)
}

// FuzzUnpack: a records payload comes from another host. Whatever it
// holds, Unpack returns records that obey its rules or an error, and never
// panics or allocates past what the payload can hold.
func FuzzUnpack(f *testing.F) {
	f.Add(Pack([]rb.Record{{Kind: rb.KindCall, Seq: 1, Nr: 1, Out: []byte("x")}, {Kind: rb.KindCPMON, Seq: 2}}))
	f.Add([]byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		recs, err := Unpack(p)
		if err != nil {
			return
		}
		if len(recs)*recordMin > len(p) {
			t.Fatalf("%d records from %d bytes", len(recs), len(p))
		}
		for i, r := range recs {
			if r.Kind != rb.KindCall && r.Kind != rb.KindCPMON || i > 0 && r.Seq != recs[i-1].Seq+1 {
				t.Fatalf("record %d breaks the rules: %+v", i, r)
			}
		}
	})
}
