package ipmon

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// blob holds the object that `make build` compiles from ipmon/. The all:
// prefix lets a checkout without it compile (it holds .keep).
//
//go:embed all:blob
var blob embed.FS

// ErrNotBuilt: this dmvx was built without IP-MON.
var ErrNotBuilt = errors.New("this dmvx was built without IP-MON: build it with `make build`")

// Object returns the embedded IP-MON shared object of this dmvx's ISA.
func Object() ([]byte, error) { return ObjectFor(runtime.GOARCH) }

// ObjectFor returns the embedded IP-MON shared object for goarch (amd64,
// arm64), as far as this dmvx was built with it.
func ObjectFor(goarch string) ([]byte, error) {
	b, err := blob.ReadFile("blob/ipmon-" + goarch + ".so")
	if err != nil || len(b) == 0 {
		return nil, ErrNotBuilt
	}
	return b, nil
}

// Calls reads the calls IP-MON implements from the object's
// dmvx_ipmon_calls table (0xffff-terminated), sorted.
func Calls(obj []byte) ([]uint32, error) {
	tab, err := symbolData(obj, "dmvx_ipmon_calls")
	if err != nil {
		return nil, err
	}
	var nrs []uint32
	for i := 0; i+2 <= len(tab); i += 2 {
		nr := binary.LittleEndian.Uint16(tab[i:])
		if nr == 0xffff {
			break
		}
		nrs = append(nrs, uint32(nr))
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	return nrs, nil
}

// Subs reads the sub-commands of multiplexed calls IP-MON implements from
// the object's dmvx_ipmon_subs table: call number -> values.
func Subs(obj []byte) (map[uint32][]uint32, error) {
	tab, err := symbolData(obj, "dmvx_ipmon_subs")
	if err != nil {
		return nil, err
	}
	out := make(map[uint32][]uint32)
	for i := 0; i+8 <= len(tab); i += 8 {
		nr, v := binary.LittleEndian.Uint32(tab[i:]), binary.LittleEndian.Uint32(tab[i+4:])
		if nr == 0xffffffff {
			break
		}
		out[nr] = append(out[nr], v)
	}
	return out, nil
}

// symbolData returns the bytes of a symbol the object exports.
func symbolData(obj []byte, name string) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, fmt.Errorf("ipmon: %w", err)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return nil, fmt.Errorf("ipmon: %w", err)
	}
	for _, s := range syms {
		if s.Name != name || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		data, err := sec.Data()
		if err != nil {
			return nil, fmt.Errorf("ipmon: %w", err)
		}
		off := s.Value - sec.Addr
		if off > uint64(len(data)) || s.Size > uint64(len(data))-off {
			return nil, fmt.Errorf("ipmon: %s outside its section", name)
		}
		return data[off : off+s.Size], nil
	}
	return nil, fmt.Errorf("ipmon: the object has no %s", name)
}

// archs are the instruction sets (GOARCH) whose IP-MON a dmvx may embed.
var archs = []string{"amd64", "arm64"}

// Digests returns the SHA-256 of each IP-MON object this dmvx embeds, by
// GOARCH: a follower host of either ISA checks its own against the leader
// host's.
func Digests() map[string][]byte {
	out := make(map[string][]byte)
	for _, arch := range archs {
		if obj, err := ObjectFor(arch); err == nil {
			sum := sha256.Sum256(obj)
			out[arch] = sum[:]
		}
	}
	return out
}

// InstallName is the file name Install gives this build's object: a
// digest of every ISA's object this dmvx embeds, so that hosts of either
// ISA running the same build give their variants the same LD_PRELOAD (a
// program passes its environment on to what it execs, and the
// environment is compared there).
func InstallName() string {
	d := Digests()
	h := sha256.New()
	for _, arch := range archs {
		if sum, ok := d[arch]; ok {
			h.Write([]byte(arch))
			h.Write(sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12]) + ".so"
}

// Install writes the object where every variant's loader can read it and
// returns its path. The name is the build's (InstallName), so concurrent
// runs share one file and a file never changes under a running program; the
// directory and file belong to the caller and are not writable by others
// (a program that drops privileges can still load it).
func Install(obj []byte) (string, error) {
	// LD_PRELOAD splits on spaces and colons: a temporary directory with
	// one in its name cannot hold the object.
	base := os.TempDir()
	if strings.ContainsAny(base, " :") {
		base = "/tmp"
	}
	return InstallIn(obj, filepath.Join(base, fmt.Sprintf("dmvx-ipmon-%d", os.Getuid())))
}

// InstallIn is Install into directory dir: a follower host puts its object
// where the leader host's is, so that LD_PRELOAD, which the variants pass
// on to what they exec, is the same string in every variant.
func InstallIn(obj []byte, dir string) (string, error) {
	if !filepath.IsAbs(dir) || strings.ContainsAny(dir, " :") || !strings.HasPrefix(filepath.Base(dir), "dmvx-ipmon-") {
		return "", fmt.Errorf("ipmon: %q is not a directory for IP-MON", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("ipmon: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("ipmon: %w", err)
	}
	if !st.IsDir() || st.Mode().Perm()&0o022 != 0 || !ownedByUs(st) {
		return "", fmt.Errorf("ipmon: %s is not a directory that only this user can write", dir)
	}
	path := filepath.Join(dir, InstallName())
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, obj) {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, ".ipmon-*")
	if err != nil {
		return "", fmt.Errorf("ipmon: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(obj); err != nil {
		tmp.Close()
		return "", fmt.Errorf("ipmon: %w", err)
	}
	if err := tmp.Chmod(0o444); err != nil {
		tmp.Close()
		return "", fmt.Errorf("ipmon: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("ipmon: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("ipmon: %w", err)
	}
	return path, nil
}

// RegisterFunc is the exported function IP-MON registers through
// (dmvx_ipmon_register), which CP-MON has a program call at its entry
// when calls are compared from there.
const RegisterFunc = "dmvx_ipmon_register"

// FuncAt returns where the object's exported function name is in a process
// that mapped the object's code segment at file offset off to address lo
// (the mapping that holds the pc of IP-MON's registration call): the
// loader maps each PT_LOAD segment page-aligned at base + its vaddr. Only
// the code segment is looked at: two segments may share a file page.
func FuncAt(obj []byte, name string, lo, off uint64) (uint64, error) {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return 0, fmt.Errorf("ipmon: %w", err)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return 0, fmt.Errorf("ipmon: %w", err)
	}
	var value uint64
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			value = s.Value
		}
	}
	if value == 0 {
		return 0, fmt.Errorf("ipmon: the object has no function %s", name)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && p.Off&^(Page-1) == off {
			base := lo - p.Vaddr&^(Page-1)
			return base + value, nil
		}
	}
	return 0, fmt.Errorf("ipmon: no segment of the object at file offset %#x", off)
}
