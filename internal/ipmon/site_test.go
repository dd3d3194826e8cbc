package ipmon

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchSite(t *testing.T) {
	site := []byte{0xc3, 0xb8, 0x01, 0, 0, 0, 0x0f, 0x05}
	for _, tc := range []struct {
		name string
		code []byte
		nr   uint64
		want bool
	}{
		{"mov then syscall", site, 1, true},
		{"other number", site, 0, false},
		{"rex: mov to r8d", append([]byte{0x41}, site[1:]...), 1, false},
		{"operand size prefix", append([]byte{0x66}, site[1:]...), 1, false},
		{"no syscall", []byte{0xc3, 0xb8, 0x01, 0, 0, 0, 0x0f, 0x0b}, 1, false},
		{"mov to another register", []byte{0xc3, 0xb9, 0x01, 0, 0, 0, 0x0f, 0x05}, 1, false},
		{"short", site[1:], 1, false},
	} {
		if got := MatchSite(tc.code, tc.nr); got != tc.want {
			t.Errorf("%s: MatchSite(% x, %d) = %v, want %v", tc.name, tc.code, tc.nr, got, tc.want)
		}
	}
}

// TestMatchSiteLibc finds the sites of this machine's glibc that dmvx
// patches in practice (write's, and the internal __write_nocancel's).
func TestMatchSiteLibc(t *testing.T) {
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	f, err := elf.Open(libc)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"write", "__write_nocancel", "getcwd", "ioctl"} {
		found := 0
		for _, s := range syms {
			if s.Name != name || s.Value < text.Addr || s.Value+s.Size > text.Addr+uint64(len(data)) {
				continue
			}
			// The byte before a function's first mov is the padding's.
			lo, hi := s.Value-text.Addr, s.Value-text.Addr+s.Size
			for i := lo + SiteLen - 1; i <= hi && i <= uint64(len(data)); i++ {
				if MatchSite(data[i-SiteLen:i], uint64(data[i-6])) {
					found++
				}
			}
		}
		if found == 0 {
			t.Errorf("no patchable site in %s's %s", libc, name)
		}
	}
}

// TestStub checks the stub and the jump against objdump's reading of them.
func TestStub(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("no objdump")
	}
	const at, site, entry = 0x7f0000106000, 0x7f0000200349, 0x7f0000102080
	stub, jmp, ok := Stub(at, site, entry, 1)
	if !ok {
		t.Fatal("Stub: out of reach")
	}
	dis := func(code []byte, vma uint64) []string {
		bin := filepath.Join(t.TempDir(), "code")
		if err := os.WriteFile(bin, code, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(objdump, "-D", "-b", "binary", "-mi386:x86-64", "--no-show-raw-insn",
			fmt.Sprintf("--adjust-vma=%#x", vma), bin).Output()
		if err != nil {
			t.Fatal(err)
		}
		var insns []string
		re := regexp.MustCompile(`^\s*[0-9a-f]+:\s+(.*)$`)
		for _, l := range strings.Split(string(out), "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				insns = append(insns, strings.Join(strings.Fields(m[1]), " "))
			}
		}
		return insns
	}
	want := []string{
		"lea -0x80(%rsp),%rsp",
		"mov $0x1,%eax",
		fmt.Sprintf("call 0x%x", entry),
		"lea 0x80(%rsp),%rsp",
		fmt.Sprintf("jmp 0x%x", site+7),
		"int3", "int3", "int3", "int3",
	}
	if diff := cmp.Diff(want, dis(stub[:], at)); diff != "" {
		t.Errorf("stub (-want +objdump):\n%s", diff)
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("jmp 0x%x", at)}, dis(jmp[:], site)); diff != "" {
		t.Errorf("jump (-want +objdump):\n%s", diff)
	}
	if _, _, ok := Stub(at, site+1<<31, entry, 1); ok {
		t.Error("Stub: a site 2 GiB away is in reach")
	}
	if bytes.Count(stub[:], []byte{0xcc}) != StubSize-28 {
		t.Errorf("stub is not 28 bytes of code: % x", stub)
	}
}
