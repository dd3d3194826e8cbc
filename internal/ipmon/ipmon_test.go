package ipmon

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dmvx/internal/abi"
	"dmvx/internal/abi/amd64"
	"dmvx/internal/abi/arm64"
	"dmvx/internal/policy"

	"github.com/google/go-cmp/cmp"
)

// The Go list of what IP-MON implements is each object's own table, in
// that object's ISA's numbers.
func TestImplementedMatchesObject(t *testing.T) {
	for _, a := range []*abi.ABI{amd64.ABI, arm64.ABI} {
		t.Run(a.Arch, func(t *testing.T) {
			obj, err := ObjectFor(a.Arch)
			if err != nil {
				t.Skip("IP-MON not built (make build)")
			}
			got, err := Calls(obj)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ImplementedIn(a), got); diff != "" {
				t.Errorf("internal/ipmon's list and ipmon.c's dmvx_ipmon_calls differ (-Go +C):\n%s", diff)
			}
			subs, err := Subs(obj)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ImplementedSubsIn(a), subs); diff != "" {
				t.Errorf("internal/ipmon's sub-commands and ipmon.c's dmvx_ipmon_subs differ (-Go +C):\n%s", diff)
			}
		})
	}
}

// ipmon/ipmon.h and this package describe one control page and region.
func TestLayoutMatchesC(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "layout.c")
	prog := `#include "ipmon.h"
#include <stdio.h>
#include <stddef.h>
int main(void) {
	printf("%d %llx %d %d %d %d %d %d %d %d %d %ld\n", DMVX_ABI_VERSION, DMVX_CTL_MAGIC,
		DMVX_NR_REGISTER, DMVX_NR_DIVERGE, DMVX_SLOTS, DMVX_RB_DATA, DMVX_RB_SPAN,
		DMVX_CTL_SPAN, DMVX_MAX_FD, DMVX_MAX_NR, DMVX_EPOLL_SLOTS, DMVX_RESYNC);
	printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n",
		offsetof(struct dmvx_ctl, gate), offsetof(struct dmvx_ctl, active),
		offsetof(struct dmvx_ctl, role), offsetof(struct dmvx_ctl, follower),
		offsetof(struct dmvx_ctl, spin), offsetof(struct dmvx_ctl, sync_req),
		offsetof(struct dmvx_ctl, variant), offsetof(struct dmvx_ctl, fdmap_rel),
		offsetof(struct dmvx_ctl, rb_rel), offsetof(struct dmvx_ctl, key),
		offsetof(struct dmvx_ctl, epoll_rel), offsetof(struct dmvx_ctl, allowed),
		offsetof(struct dmvx_ctl, copy_local), offsetof(struct dmvx_ctl, open_write),
		offsetof(struct dmvx_ctl, leader_stat));
	printf("%d %d %d %d %d %d %d %d %d %d %d %d %d\n", DMVX_FD_FILE, DMVX_FD_UNKNOWN, DMVX_FD_LOCAL, DMVX_FD_LEADER,
		DMVX_FD_SOCKET, DMVX_FD_OWN, DMVX_FD_CPMON, DMVX_FDMAP_GEN, DMVX_DIV_CALL, DMVX_DIV_TAMPERED, DMVX_GATE_LEN,
		DMVX_STUBS_SIZE, DMVX_STUB_SIZE);
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "layout")
	if out, err := exec.Command(cc, "-I", "../../ipmon", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("compiling ipmon/ipmon.h: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(out))
	want := strings.Fields(strings.Join([]string{
		itoa(ABIVersion), hexs(CtlMagic), itoa(NrRegister), itoa(NrDiverge), itoa(Slots), itoa(RBData),
		itoa(RBSpan), itoa(CtlSpan), itoa(MaxFD), itoa(MaxNr), itoa(EpollSlots), itoa(Resync),
		itoa(ctlGate), itoa(ctlActive), itoa(ctlRole), itoa(ctlFollower), itoa(ctlSpin), itoa(CtlSyncReq),
		itoa(ctlVariant), itoa(ctlFDMapRel), itoa(ctlRBRel), itoa(ctlKey), itoa(ctlEpollRel), itoa(ctlAllowed), itoa(ctlCopyLocal), itoa(ctlOpenWrite), itoa(ctlLeaderStat),
		itoa(FDFile), itoa(FDUnknown), itoa(FDLocal), itoa(FDLeader), itoa(FDSocket), itoa(FDOwn), itoa(FDCPMON), itoa(FDMapGen), itoa(DivCall),
		itoa(DivTampered), itoa(GateLen), itoa(StubsSize), itoa(StubSize),
	}, " "))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Go and C layouts differ (-Go +C):\n%s", diff)
	}
}

// IP-MON decides by call number whether the policy lets it take a call:
// its control page has one bit per number. So the sub-commands it takes of
// one call must be allowed at the same levels, all or none.
func TestSubsShareLevel(t *testing.T) {
	impl := ImplementedSubs()
	for _, level := range policy.Levels {
		got := policy.IPMONSubs(amd64.Table, level, impl)
		for nr, vals := range impl {
			if n := len(got[nr].Values); n != 0 && n != len(vals) {
				t.Errorf("%s at %s: IP-MON may take %d of its %d sub-commands", amd64.Name(uint64(nr)), level, n, len(vals))
			}
		}
	}
}

// A region never lands on what its variant has mapped already: its gate,
// or the region a forked child inherited.
func TestRegionAvoids(t *testing.T) {
	r, err := NewRegion(2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 100; i++ {
		gate := r.Bases[1] + RegionSize/2 // inside the region as placed
		parent := r.Bases[1] - RegionSize/2
		r.Avoid(1, Span{Lo: gate, Size: Page}, Span{Lo: parent, Size: RegionSize})
		b := r.Bases[1]
		if b < gate+Page && gate < b+RegionSize || b < parent+RegionSize && parent < b+RegionSize {
			t.Fatalf("region at %#x overlaps the gate %#x or the parent's region at %#x", b, gate, parent)
		}
	}
}

// FuncAt finds the registration function from the object's code segment,
// as the loader maps it, and from nothing else.
func TestFuncAt(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		obj, err := ObjectFor(arch)
		if err != nil {
			t.Skip("IP-MON not built (make build)")
		}
		f, err := elf.NewFile(bytes.NewReader(obj))
		if err != nil {
			t.Fatal(err)
		}
		syms, _ := f.DynamicSymbols()
		var want uint64
		for _, s := range syms {
			if s.Name == RegisterFunc {
				want = s.Value
			}
		}
		if want == 0 {
			t.Fatalf("%s: no %s", arch, RegisterFunc)
		}
		const base = 0x7f0000000000
		for _, p := range f.Progs {
			if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 {
				continue
			}
			got, err := FuncAt(obj, RegisterFunc, base+p.Vaddr&^(Page-1), p.Off&^(Page-1))
			if err != nil || got != base+want {
				t.Errorf("%s: code segment at offset %#x: %#x, %v; want %#x", arch, p.Off, got, err, base+want)
			}
		}
		if _, err := FuncAt(obj, RegisterFunc, base, 0x123000); err == nil {
			t.Errorf("%s: an offset no segment has was accepted", arch)
		}
	}
}

// x86-64 IP-MON's canon_nr gives each call its generic number, which
// digests mix in so that a record means the same on both ISAs.
func TestCanonNrIsGeneric(t *testing.T) {
	src, err := os.ReadFile("../../ipmon/ipmon.c")
	if err != nil {
		t.Fatal(err)
	}
	cases := regexp.MustCompile(`case NR_(\w+): return (\d+);`).FindAllStringSubmatch(string(src), -1)
	if len(cases) < 25 {
		t.Fatalf("found %d cases of canon_nr", len(cases))
	}
	for _, c := range cases {
		want, ok := arm64.Number(c[1])
		if got, _ := strconv.Atoi(c[2]); !ok || uint64(got) != want {
			t.Errorf("canon_nr(%s) = %s, the generic number is %d (%v)", c[1], c[2], want, ok)
		}
	}
}
