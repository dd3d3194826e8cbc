package cpmon

import (
	"bytes"
	"errors"
	"testing"

	"dmvx/internal/canon"
	"dmvx/internal/ptrace"
	"dmvx/internal/wire"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestStopRoundTrip(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 1000)
	ev := &stopEvent{tid: 42, ws: unix.WaitStatus(0x7057f)}
	ev.flags = stRegs | stSiginfo | stMsg
	ev.regs.X86.Rax, ev.regs.X86.Orig_rax, ev.regs.X86.Rip = 1, 2, 0x401000
	ev.si = ptrace.Siginfo{Signo: 15, Code: -6, Pid: 7, Addr: 9}
	ev.msg = 1234
	ev.ack = &ackInfo{base: 0x7f0000000000, slot: 3, tail: 4096}
	c := &canon.Call{Nr: 1, Vals: [6]canon.Value{{V: 1}, {V: 1, Data: long}, {V: 1000}}, Extra: []byte("e")}
	ev.setCall(c, &task{clone: cloneInfo{flags: 17, ptid: 3, ctid: 4}, aux: 5})

	got, err := decodeStop(skipKind(t, ev.encode()))
	if err != nil {
		t.Fatal(err)
	}
	if got.hashed != 1<<1 || len(got.vals[1].Data) != 32 {
		t.Errorf("a 1000-byte input crossed as %d bytes (mask %#x), want its 32-byte digest", len(got.vals[1].Data), got.hashed)
	}
	if diff := cmp.Diff(ev, got, cmp.AllowUnexported(stopEvent{}, cloneInfo{}, ackInfo{})); diff != "" {
		t.Errorf("round trip (-sent +got):\n%s", diff)
	}
	// The leader's call, digested alike, compares equal; another input not.
	leader := &canon.Call{Row: &canon.Row{Name: "write", Args: canon.A(canon.FDA, canon.InBufA(2), canon.IntA)},
		Vals: c.Vals, Extra: c.Extra}
	follower := &canon.Call{Row: leader.Row, Vals: got.vals, Extra: got.extra}
	if mm := canon.Mismatch(hashedLike(leader, got.hashed, nil), follower); mm != "" {
		t.Errorf("same call: %s", mm)
	}
	other := *leader
	other.Vals[1].Data = bytes.Repeat([]byte("y"), 1000)
	if mm := canon.Mismatch(hashedLike(&other, got.hashed, nil), follower); mm == "" {
		t.Error("different inputs compared equal through their digests")
	}
}

func skipKind(t *testing.T, p []byte) *wire.Dec {
	t.Helper()
	d := wire.NewDec(p, "call")
	if k := d.U8("kind"); k != evStop {
		t.Fatalf("kind %d", k)
	}
	return d
}

func TestCommandsRoundTrip(t *testing.T) {
	cs := []command{
		{op: opCont, tid: 1, sig: 15},
		{op: opSyscall, tid: 2},
		{op: opSetRegs, tid: 3, regs: ptrace.Regs{X86: ptrace.AMD64Regs{Rax: 5, Rip: 6}}},
		{op: opSetRegs, tid: 4, regs: ptrace.Regs{Arch: ptrace.ArchARM64, A64: ptrace.ARM64Regs{Pc: 6, Syscallno: 63}}},
		{op: opApply, tid: 4, outs: []canon.Out{{Arg: 1, Data: []byte("abc"), SockLen: 3}}},
		{op: opWrite, tid: 5, addr: 0x1000, data: []byte{1, 2}},
		{op: opRead, tid: 6, id: 7, addr: 0x2000, n: 8},
		{op: opReadStr, tid: 6, id: 8, addr: 0x3000, n: 4096},
		{op: opKill, tid: 9, tgid: 8, sig: 9},
		{op: opKillAll},
		{op: opExpect, tid: 10, exp: expectation{digest: [16]byte{1, 2}, act: actPlaceholder, ret: -2, fd: 5, cloexec: true,
			outs: []canon.Out{{Arg: 2, Data: []byte("out")}}, marker: true}},
		{op: opRegister, tid: 11, base: 0x100000000000, gate: 0x200000000000, slot: 0, ctl: []byte{1, 2, 3}, fdmap: []byte{4, 5}},
		{op: opThread, tid: 12, base: 0x100000000000, gs: 0x100000002000, slot: 5, ctl: []byte{6}},
		{op: opThread, tid: 13, base: 0x100000000000, gs: 0x100000090000, slot: -1},
		{op: opRecords, base: 0x100000000000, slot: 63, data: []byte{7, 8, 9}, close: true},
		{op: opMarker, tid: 14},
		{op: opRelease, base: 0x100000000000},
		{op: opFork, tid: 15, base: 0x200000000000, parent: 0x100000000000, seq: 26, slot: 0, ctl: []byte{1}, fdmap: []byte{2}},
	}
	var e wire.Enc
	e.U32(uint32(len(cs)))
	for i := range cs {
		encodeCommand(&e, &cs[i])
	}
	got, err := decodeCommands(e.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cs, got, cmp.AllowUnexported(command{}, expectation{})); diff != "" {
		t.Errorf("round trip (-sent +got):\n%s", diff)
	}
}

func TestMalformedLinkPayloads(t *testing.T) {
	var huge wire.Enc
	huge.U32(1 << 30) // a billion commands in four bytes
	var badOp wire.Enc
	badOp.U32(1)
	badOp.U8(99)
	badOp.U32(1)
	var sixtyOuts wire.Enc
	sixtyOuts.U32(1)
	sixtyOuts.U8(opApply)
	sixtyOuts.U32(1)
	sixtyOuts.U32(60)
	for name, p := range map[string][]byte{
		"empty": nil, "count beyond the payload": huge.Payload(), "unknown command": badOp.Payload(),
		"too many outputs": sixtyOuts.Payload(), "trailing bytes": append(encodeOne(command{op: opSyscall, tid: 1}), 0),
	} {
		if _, err := decodeCommands(p); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := decodeStop(wire.NewDec([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, "call")); err == nil {
		t.Error("a stop of tid 0 was accepted")
	}
	if _, err := decodeHello([]byte{0, 0, 0, 0}); err == nil {
		t.Error("a hello without a program was accepted")
	}
	h := hello{path: "/bin/true", argv: []string{"true"}, arch: "amd64", ipmon: true, level: canon.SocketRW, gate: 0x123000, ipmonHashes: map[string][]byte{"amd64": make([]byte, 32)}}
	if _, err := decodeHello(h.encode()); err != nil {
		t.Errorf("a hello with IP-MON: %v", err)
	}
	noArch := hello{path: "/bin/true", argv: []string{"true"}}
	if _, err := decodeHello(noArch.encode()); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("a hello without the leader's instruction set: %v, want ErrMalformed", err)
	}
	for name, bad := range map[string]hello{
		"a gate off a page":     {gate: 0x123001, level: canon.Base, ipmonHashes: map[string][]byte{"amd64": make([]byte, 32)}},
		"no gate":               {level: canon.Base, ipmonHashes: map[string][]byte{"amd64": make([]byte, 32)}},
		"level never":           {gate: 0x123000, level: canon.Never, ipmonHashes: map[string][]byte{"amd64": make([]byte, 32)}},
		"an unknown level":      {gate: 0x123000, level: 9, ipmonHashes: map[string][]byte{"amd64": make([]byte, 32)}},
		"a short object digest": {gate: 0x123000, level: canon.Base, ipmonHashes: map[string][]byte{"amd64": make([]byte, 8)}},
		"no digest for its ISA": {gate: 0x123000, level: canon.Base, ipmonHashes: map[string][]byte{"arm64": make([]byte, 32)}},
	} {
		bad.path, bad.argv, bad.arch, bad.ipmon = "/bin/true", []string{"true"}, "amd64", true
		if _, err := decodeHello(bad.encode()); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("a hello with %s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestHelloIPMONRoundTrip(t *testing.T) {
	h := &hello{path: "/bin/true", argv: []string{"true", "x"}, env: []string{"A=1"}, dir: "/", trapTSC: true, arch: "arm64",
		pid: 7, uid: 8, variant: 2, ipmon: true, level: canon.NonsocketRO, gate: 0x7000,
		ipmonHashes: map[string][]byte{"amd64": bytes.Repeat([]byte{2}, 32), "arm64": bytes.Repeat([]byte{1}, 32)}}
	got, err := decodeHello(h.encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got, cmp.AllowUnexported(hello{})); diff != "" {
		t.Errorf("round trip (-sent +got):\n%s", diff)
	}
}

func encodeOne(c command) []byte {
	var e wire.Enc
	e.U32(1)
	encodeCommand(&e, &c)
	return e.Payload()
}

func TestHelloRoundTrip(t *testing.T) {
	h := &hello{path: "/bin/true", argv: []string{"true", "x"}, env: []string{"A=B"}, dir: "/tmp", trapTSC: true, pid: 12, uid: 0, arch: "amd64"}
	got, err := decodeHello(h.encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got, cmp.AllowUnexported(hello{})); diff != "" {
		t.Errorf("(-sent +got):\n%s", diff)
	}
}

// checkRegs lets a leader host do to a task's registers what a call's
// rewrite does, and nothing else, on either instruction set.
func TestCheckRegs(t *testing.T) {
	x86 := ptrace.Regs{X86: ptrace.AMD64Regs{Orig_rax: unix.SYS_SOCKET, Rax: ^uint64(37), Rip: 0x401002, Rsp: 0x7ffe0000, Rdi: 2}}
	const armSocket = 198
	a64 := ptrace.Regs{Arch: ptrace.ArchARM64, A64: ptrace.ARM64Regs{Syscallno: armSocket, Pc: 0x401004, Sp: 0x7ffe0000}}
	a64.A64.Regs[0], a64.A64.Regs[8] = 2, armSocket
	for _, tc := range []struct {
		name string
		base ptrace.Regs
		nr   uint64
		ok   map[string]func(r *ptrace.Regs)
		bad  map[string]func(r *ptrace.Regs)
	}{
		{"amd64", x86, unix.SYS_SOCKET, map[string]func(r *ptrace.Regs){
			"skip":        func(r *ptrace.Regs) { ptrace.Skip(r, -1) },
			"rewind":      ptrace.Rewind,
			"placeholder": func(r *ptrace.Regs) { r.X86.Orig_rax = unix.SYS_EVENTFD2; r.X86.Rdi, r.X86.Rsi = 0, 0 },
			"result":      func(r *ptrace.Regs) { r.X86.Rax = 3 },
			"rdtsc":       func(r *ptrace.Regs) { ptrace.StepCounterRead(r, 1<<33|2, 3) },
		}, map[string]func(r *ptrace.Regs){
			"another call": func(r *ptrace.Regs) { r.X86.Orig_rax = unix.SYS_EXECVE },
			"a jump":       func(r *ptrace.Regs) { r.X86.Rip = 0xdeadbeef },
			"the stack":    func(r *ptrace.Regs) { r.X86.Rsp = 0x1000 },
			"rbx":          func(r *ptrace.Regs) { r.X86.Rbx = 1 },
			"fs base":      func(r *ptrace.Regs) { r.X86.Fs_base = 1 },
			"arm64's":      func(r *ptrace.Regs) { r.Arch = ptrace.ArchARM64 },
		}},
		{"arm64", a64, armSocket, map[string]func(r *ptrace.Regs){
			"skip":   func(r *ptrace.Regs) { ptrace.Skip(r, -1) },
			"rewind": ptrace.Rewind,
			"result": func(r *ptrace.Regs) { ptrace.SetRet(r, 3) },
			"arg":    func(r *ptrace.Regs) { ptrace.SetArg(r, 5, 9) },
			// The kernel shows 0/1 in x7 at syscall stops and puts the
			// task's own x7 back after them.
			"x7 of a syscall stop": func(r *ptrace.Regs) { r.A64.Regs[7] = 1 },
		}, map[string]func(r *ptrace.Regs){
			"another call": func(r *ptrace.Regs) { ptrace.SetNr(r, 221) }, // execve
			"a jump":       func(r *ptrace.Regs) { r.A64.Pc = 0xdeadbeef },
			"the stack":    func(r *ptrace.Regs) { r.A64.Sp = 0x1000 },
			"x19":          func(r *ptrace.Regs) { r.A64.Regs[19] = 1 },
			"the link":     func(r *ptrace.Regs) { r.A64.Regs[30] = 1 },
			"amd64's":      func(r *ptrace.Regs) { r.Arch = ptrace.ArchAMD64 },
		}},
	} {
		for name, f := range tc.ok {
			n := tc.base
			f(&n)
			if err := checkRegs(&tc.base, &n, tc.nr); err != nil {
				t.Errorf("%s: %s refused: %v", tc.name, name, err)
			}
		}
		for name, f := range tc.bad {
			n := tc.base
			f(&n)
			if err := checkRegs(&tc.base, &n, tc.nr); err == nil {
				t.Errorf("%s: %s allowed", tc.name, name)
			}
		}
	}
}

func FuzzDecodeCommands(f *testing.F) {
	f.Add(encodeOne(command{op: opApply, tid: 1, outs: []canon.Out{{Arg: 1, Data: []byte("x")}}}))
	f.Add(encodeOne(command{op: opSetRegs, tid: 1}))
	f.Fuzz(func(t *testing.T, p []byte) { _, _ = decodeCommands(p) })
}

func FuzzDecodeStop(f *testing.F) {
	ev := &stopEvent{tid: 1, flags: stRegs | stCall}
	f.Add(ev.encode()[1:])
	f.Fuzz(func(t *testing.T, p []byte) { _, _ = decodeStop(wire.NewDec(p, "call")) })
}
