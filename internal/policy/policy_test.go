package policy

import (
	"encoding/binary"
	"os"
	"sort"
	"testing"

	"dmvx/internal/abi/amd64"
	"dmvx/internal/abi/arm64"
	"dmvx/internal/canon"
	"dmvx/internal/ipmon"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// seccompData lays out struct seccomp_data in host order (little-endian),
// then byte-swaps each 32-bit word for x/net/bpf's VM, which loads words
// big-endian as packets do. The filter loads only aligned 32-bit words.
func seccompData(nr, arch uint32, ip uint64, args [6]uint64) []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], nr)
	binary.LittleEndian.PutUint32(b[4:], arch)
	binary.LittleEndian.PutUint64(b[8:], ip)
	for i, a := range args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	out := make([]byte, 64)
	for i := 0; i < 64; i += 4 {
		binary.BigEndian.PutUint32(out[i:], binary.LittleEndian.Uint32(b[i:]))
	}
	return out
}

func vmFor(t *testing.T, spec FilterSpec) *bpf.VM {
	t.Helper()
	raw, err := Filter(spec)
	if err != nil {
		t.Fatal(err)
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("filter does not disassemble")
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func run(t *testing.T, vm *bpf.VM, nr, arch uint32, ip uint64) uint32 {
	t.Helper()
	return runArgs(t, vm, nr, arch, ip, [6]uint64{})
}

func runArgs(t *testing.T, vm *bpf.VM, nr, arch uint32, ip uint64, args [6]uint64) uint32 {
	t.Helper()
	r, err := vm.Run(seccompData(nr, arch, ip, args))
	if err != nil {
		t.Fatal(err)
	}
	return uint32(r)
}

func TestParseLevel(t *testing.T) {
	for _, l := range Levels {
		got, err := ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l, got, err)
		}
	}
	if _, err := ParseLevel("never"); err == nil {
		t.Error("never is not a level a user may pick")
	}
	if _, err := ParseLevel("socket"); err == nil {
		t.Error("unknown level accepted")
	}
}

// Levels are cumulative, and sensitive calls are never IP-MON's.
func TestIPMONCallsCumulativeAndNeverSensitive(t *testing.T) {
	var prev map[uint32]bool
	for _, l := range Levels {
		cur := map[uint32]bool{}
		for _, nr := range IPMONCalls(amd64.Table, l) {
			cur[nr] = true
			if Sensitive(amd64.Table[uint64(nr)]) {
				t.Errorf("%s: sensitive %s given to IP-MON", l, amd64.Name(uint64(nr)))
			}
		}
		for nr := range prev {
			if !cur[nr] {
				t.Errorf("%s drops %s, which a lower level allows", l, amd64.Name(uint64(nr)))
			}
		}
		prev = cur
	}
	for _, name := range []string{"execve", "mprotect", "ptrace", "socket", "connect", "kill", "prctl", "seccomp", "openat"} {
		nr, ok := amd64.Number(name)
		if !ok {
			t.Fatalf("no number for %s", name)
		}
		if ForIPMON(amd64.Table[nr], canon.SocketRW) {
			t.Errorf("%s is IP-MON's at socket-rw", name)
		}
	}
	want := map[string]canon.Level{"getcwd": canon.Base, "read": canon.NonsocketRO, "write": canon.NonsocketRW, "sendto": canon.SocketRW}
	for name, lvl := range want {
		nr, _ := amd64.Number(name)
		if !ForIPMON(amd64.Table[nr], lvl) {
			t.Errorf("%s not IP-MON's at %s", name, lvl)
		}
	}
}

func TestFilterVerdicts(t *testing.T) {
	const gate = 0x00007f12_3456_7890
	getcwd, _ := amd64.Number("getcwd")
	execve, _ := amd64.Number("execve")
	write, _ := amd64.Number("write")
	sendto, _ := amd64.Number("sendto")
	spec := FilterSpec{Gate: gate, IPMON: IPMONCalls(amd64.Table, canon.NonsocketRW), Trap: true}
	if len(spec.IPMON) < 50 {
		t.Fatalf("only %d calls for IP-MON at nonsocket-rw", len(spec.IPMON))
	}
	vm := vmFor(t, spec)
	const other = 0x00005555_5555_1234
	tests := []struct {
		name string
		nr   uint64
		arch uint32
		ip   uint64
		want uint32
	}{
		{"getcwd from the gate", getcwd, auditArchAMD64, gate, RetAllow},
		{"write from the gate", write, auditArchAMD64, gate, RetAllow},
		{"getcwd elsewhere traps into IP-MON", getcwd, auditArchAMD64, other, RetTrap},
		{"execve from the gate still goes to CP-MON", execve, auditArchAMD64, gate, RetTrace},
		{"execve elsewhere", execve, auditArchAMD64, other, RetTrace},
		{"sendto is CP-MON's at nonsocket-rw", sendto, auditArchAMD64, gate, RetTrace},
		{"unknown number from the gate", 999, auditArchAMD64, gate, RetTrace},
		// Only the low half matches: the whole 64 bits are compared.
		{"gate's low half only", getcwd, auditArchAMD64, gate&0xffffffff | 0x1234<<32, RetTrap},
		{"gate's high half only", getcwd, auditArchAMD64, gate&^0xffffffff | 0x1111, RetTrap},
		{"x32 from the gate", 0x40000000 | getcwd, auditArchAMD64, gate, RetKillProcess},
		{"i386", getcwd, 0x40000003, gate, RetKillProcess},
	}
	for _, tt := range tests {
		if got := run(t, vm, uint32(tt.nr), tt.arch, tt.ip); got != tt.want {
			t.Errorf("%s: %#x, want %#x", tt.name, got, tt.want)
		}
	}
	// Without Trap, what IP-MON may take goes to CP-MON from anywhere but
	// the gate.
	noTrap := spec
	noTrap.Trap = false
	vm2 := vmFor(t, noTrap)
	for _, tt := range []struct {
		name string
		ip   uint64
		want uint32
	}{{"getcwd from the gate", gate, RetAllow}, {"getcwd elsewhere", other, RetTrace}, {"gate's low half only", gate&0xffffffff | 0x1234<<32, RetTrace}} {
		if got := run(t, vm2, uint32(getcwd), auditArchAMD64, tt.ip); got != tt.want {
			t.Errorf("no trap, %s: %#x, want %#x", tt.name, got, tt.want)
		}
	}
	// A multiplexed call passes from the gate only with a sub-command
	// IP-MON may take.
	fcntl, _ := amd64.Number("fcntl")
	ioctl, _ := amd64.Number("ioctl")
	subSpec := FilterSpec{Gate: gate, IPMON: []uint32{uint32(fcntl), uint32(ioctl)}, Subs: map[uint32]Sub{
		uint32(fcntl): {Arg: 1, Values: []uint32{amd64.F_GETFD, amd64.F_DUPFD}},
		uint32(ioctl): {Arg: 1, Values: []uint32{amd64.TCGETS}},
	}}
	vm3 := vmFor(t, subSpec)
	for _, tt := range []struct {
		name string
		nr   uint64
		arg1 uint64
		ip   uint64
		want uint32
	}{
		{"fcntl F_GETFD from the gate", fcntl, amd64.F_GETFD, gate, RetAllow},
		{"fcntl F_DUPFD from the gate", fcntl, amd64.F_DUPFD, gate, RetAllow},
		{"fcntl F_SETOWN from the gate", fcntl, amd64.F_SETOWN, gate, RetTrace},
		{"ioctl TCGETS from the gate", ioctl, amd64.TCGETS, gate, RetAllow},
		{"ioctl TCGETS's high half set", ioctl, amd64.TCGETS | 1<<32, gate, RetAllow},
		{"ioctl with no row from the gate", ioctl, 0x1234, gate, RetTrace},
		{"ioctl TCGETS elsewhere", ioctl, amd64.TCGETS, other, RetTrace},
	} {
		if got := runArgs(t, vm3, uint32(tt.nr), auditArchAMD64, tt.ip, [6]uint64{0, tt.arg1}); got != tt.want {
			t.Errorf("%s: %#x, want %#x", tt.name, got, tt.want)
		}
	}
	// Every call of the table gets the verdict its row implies.
	for nr, row := range amd64.Table {
		want := uint32(RetTrace)
		if ForIPMON(row, canon.NonsocketRW) {
			want = RetAllow
		}
		if got := run(t, vm, uint32(nr), auditArchAMD64, gate); got != want {
			t.Errorf("%s from the gate: %#x, want %#x", row.Name, got, want)
		}
	}
}

// The largest level still fits seccomp's 4096 instructions, with the jumps
// of the gate test spanning the whole first membership block.
func TestFilterSizeAtSocketRW(t *testing.T) {
	spec := FilterSpec{Gate: 0x7fff00001000, IPMON: IPMONCalls(amd64.Table, canon.SocketRW), Trap: true}
	raw, err := Filter(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 4096 {
		t.Fatalf("%d instructions", len(raw))
	}
	vm := vmFor(t, spec)
	for _, nr := range spec.IPMON {
		if got := run(t, vm, nr, auditArchAMD64, spec.Gate); got != RetAllow {
			t.Errorf("%s from the gate: %#x", amd64.Name(uint64(nr)), got)
		}
		if got := run(t, vm, nr, auditArchAMD64, spec.Gate+16); got != RetTrap {
			t.Errorf("%s elsewhere: %#x", amd64.Name(uint64(nr)), got)
		}
	}
}

// docs/policy.md is generated; it must match the rules.
func TestPolicyDocUpToDate(t *testing.T) {
	const path = "../../docs/policy.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go run ./internal/policy/gendoc", err)
	}
	if string(got) != Markdown(ipmon.Implemented(), ipmon.ImplementedSubs()) {
		t.Fatalf("%s is stale: run go run ./internal/policy/gendoc", path)
	}
}

// arm64's filter: its own audit arch, the generic numbers, and no x32
// numbers to refuse (a number with bit 30 set is just unknown there).
func TestFilterVerdictsARM64(t *testing.T) {
	const gate = 0x0000ffff_3456_7894
	getcwd, _ := arm64.Number("getcwd")
	execve, _ := arm64.Number("execve")
	read, _ := arm64.Number("read")
	openat, _ := arm64.Number("openat")
	ipm := IPMONCalls(arm64.Table, canon.NonsocketRO)
	nr, open, _ := IPMONOpenAt(canon.NonsocketRO, uint32(openat))
	ipm = append(ipm, nr)
	sort.Slice(ipm, func(i, j int) bool { return ipm[i] < ipm[j] })
	vm := vmFor(t, FilterSpec{ARM64: true, Gate: gate, IPMON: ipm, Subs: map[uint32]Sub{nr: open}})
	const other = 0x0000aaaa_5555_1234
	tests := []struct {
		name string
		nr   uint64
		arch uint32
		ip   uint64
		args [6]uint64
		want uint32
	}{
		{"getcwd from the gate", getcwd, auditArchARM64, gate, [6]uint64{}, RetAllow},
		{"read from the gate", read, auditArchARM64, gate, [6]uint64{}, RetAllow},
		{"read elsewhere", read, auditArchARM64, other, [6]uint64{}, RetTrace},
		{"execve from the gate", execve, auditArchARM64, gate, [6]uint64{}, RetTrace},
		{"openat read-only from the gate", openat, auditArchARM64, gate, [6]uint64{0, 0, unix.O_RDONLY}, RetAllow},
		{"openat creating from the gate", openat, auditArchARM64, gate, [6]uint64{0, 0, unix.O_CREAT}, RetTrace},
		{"bit 30 is no x32 there", 0x40000000 | getcwd, auditArchARM64, gate, [6]uint64{}, RetTrace},
		{"an amd64 call", getcwd, auditArchAMD64, gate, [6]uint64{}, RetKillProcess},
	}
	for _, tt := range tests {
		if got := runArgs(t, vm, uint32(tt.nr), tt.arch, tt.ip, tt.args); got != tt.want {
			t.Errorf("%s: %#x, want %#x", tt.name, got, tt.want)
		}
	}
}
