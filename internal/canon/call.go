package canon

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mem is a variant's memory as the monitor sees it while the variant is
// stopped. Implementations read with process_vm_readv.
type Mem interface {
	// Read fills buf from addr; it fails unless all of buf was read.
	Read(addr uint64, buf []byte) error
	// ReadString reads a NUL-terminated string of at most max bytes.
	ReadString(addr uint64, max int) (string, error)
	// Write copies data to addr.
	Write(addr uint64, data []byte) error
}

// Limits on what is read from a variant for one call. A variant controlled
// by an attacker must not make the monitor allocate without bound.
const (
	MaxString    = 4096     // PATH_MAX
	MaxStrVec    = 4096     // argv/envp entries
	MaxInput     = 64 << 20 // bytes of one input buffer or iovec set
	MaxIovecs    = 1024     // IOV_MAX
	iovecSize    = 16
	maxArrayElem = 1 << 16
)

// errNoDecoder is a table mistake: a kind Decode does not know.
var errNoDecoder = errors.New("no decoder for kind")

// ErrTooLarge is returned when a variant passes an input larger than the
// monitor is willing to compare.
var ErrTooLarge = errors.New("input larger than the monitor compares")

// Value is one canonical argument.
type Value struct {
	// V is the value of value kinds; for pointer kinds 0 means NULL and 1
	// non-NULL.
	V uint64
	// Data is the content of an input pointer (strings and iovec contents
	// concatenated; StrVec entries separated by NUL).
	Data []byte
	// N is the number of StrVec entries or iovecs read.
	N int
}

// Call is one system call of one variant in canonical form.
type Call struct {
	Row  *Row
	Nr   uint64
	Raw  [6]uint64
	Vals [6]Value
	// Extra is canonical content that a special handler adds (epoll
	// events without their data, sigaction without its handler address).
	Extra []byte
}

// Name is the call's own name (the ABI's; Row.CanonName is the generic one).
func (c *Call) Name() string { return c.Row.Name }

func isNull(p uint64) uint64 {
	if p == 0 {
		return 0
	}
	return 1
}

// Decode reads the canonical form of a call from registers and memory. An
// input that cannot be read is recorded as such in Extra (the call will
// fail with EFAULT); only an input larger than the monitor compares is an
// error.
func Decode(row *Row, nr uint64, raw [6]uint64, mem Mem) (*Call, error) {
	c := &Call{Row: row, Nr: nr, Raw: raw}
	for i, a := range row.Args {
		if i >= 6 {
			break
		}
		v, err := decodeArg(a, i, raw, mem)
		if errors.Is(err, ErrTooLarge) || errors.Is(err, errNoDecoder) {
			return nil, fmt.Errorf("%s arg %d (%s): %w", row.Name, i, a.Kind, err)
		}
		if err != nil {
			// A bad pointer: the kernel will fail the call with EFAULT.
			// Compare that fact, in words that hold no address or pid,
			// so that variants passing the same bad pointer agree.
			v = Value{V: isNull(raw[i])}
			c.Extra = append(c.Extra, fmt.Sprintf("arg %d unreadable;", i)...)
		}
		c.Vals[i] = v
	}
	return c, nil
}

func lenOf(a Arg, raw [6]uint64) uint64 {
	if a.Len < 0 || int(a.Len) >= 6 {
		return 0
	}
	return raw[a.Len]
}

func decodeArg(a Arg, i int, raw [6]uint64, mem Mem) (Value, error) {
	p := raw[i]
	switch a.Kind {
	case FD, PID:
		// The kernel takes an int: the register's upper half is
		// whatever the variant's ABI left there (AT_FDCWD reaches an
		// amd64 kernel zero-extended, an arm64 one sign-extended).
		return Value{V: uint64(int64(int32(p)))}, nil
	case Int, Flags:
		return Value{V: p}, nil
	case OutSockaddr:
		// Remember the capacity (*len before the call): afterwards *len
		// holds the address's full length, which may be larger.
		v := Value{V: isNull(p)}
		if lp := lenOf(a, raw); p != 0 && lp != 0 {
			var b [4]byte
			if err := mem.Read(lp, b[:]); err != nil {
				return v, err
			}
			v.N = int(binary.LittleEndian.Uint32(b[:]))
		}
		return v, nil
	case Addr, OutBuf, OutStruct, OutIovec, OutArray:
		return Value{V: isNull(p)}, nil
	case Ignore, None:
		return Value{}, nil
	}
	if p == 0 {
		return Value{V: 0}, nil
	}
	v := Value{V: 1}
	switch a.Kind {
	case Str:
		s, err := mem.ReadString(p, MaxString)
		if err != nil {
			return v, err
		}
		v.Data = []byte(s)
	case StrVec:
		var buf bytes.Buffer
		var w [8]byte
		for n := 0; ; n++ {
			if n >= MaxStrVec {
				return v, ErrTooLarge
			}
			if err := mem.Read(p+uint64(8*n), w[:]); err != nil {
				return v, err
			}
			sp := binary.LittleEndian.Uint64(w[:])
			if sp == 0 {
				v.N = n
				break
			}
			s, err := mem.ReadString(sp, 1<<17)
			if err != nil {
				return v, err
			}
			buf.WriteString(s)
			buf.WriteByte(0)
			if buf.Len() > MaxInput {
				return v, ErrTooLarge
			}
		}
		v.Data = buf.Bytes()
	case InBuf, InSockaddr:
		n := lenOf(a, raw)
		if n > MaxInput {
			return v, ErrTooLarge
		}
		v.Data = make([]byte, n)
		if err := mem.Read(p, v.Data); err != nil {
			return v, err
		}
		if a.Kind == InSockaddr {
			v.Data = CanonSockaddr(v.Data)
		}
	case InStruct, InOutStruct:
		v.Data = make([]byte, a.Size)
		if err := mem.Read(p, v.Data); err != nil {
			return v, err
		}
	case InArray, InOutArray:
		n := lenOf(a, raw)
		if n > maxArrayElem {
			return v, ErrTooLarge
		}
		v.Data = make([]byte, int(n)*a.Size)
		if err := mem.Read(p, v.Data); err != nil {
			return v, err
		}
	case InIovec:
		iovs, err := ReadIovecs(mem, p, lenOf(a, raw))
		if err != nil {
			return v, err
		}
		v.N = len(iovs)
		var total uint64
		for _, iov := range iovs {
			total += iov.Len
		}
		if total > MaxInput {
			return v, ErrTooLarge
		}
		v.Data = make([]byte, 0, total)
		for _, iov := range iovs {
			if iov.Len == 0 {
				continue
			}
			b := make([]byte, iov.Len)
			if err := mem.Read(iov.Base, b); err != nil {
				return v, err
			}
			v.Data = append(v.Data, b...)
		}
	default:
		return v, fmt.Errorf("%w %s", errNoDecoder, a.Kind)
	}
	return v, nil
}

// Iovec is one struct iovec of a variant.
type Iovec struct{ Base, Len uint64 }

// ReadIovecs reads n iovecs at addr.
func ReadIovecs(mem Mem, addr, n uint64) ([]Iovec, error) {
	if n > MaxIovecs {
		return nil, ErrTooLarge
	}
	if n == 0 || addr == 0 {
		return nil, nil
	}
	raw := make([]byte, n*iovecSize)
	if err := mem.Read(addr, raw); err != nil {
		return nil, err
	}
	iovs := make([]Iovec, n)
	for i := range iovs {
		iovs[i].Base = binary.LittleEndian.Uint64(raw[i*16:])
		iovs[i].Len = binary.LittleEndian.Uint64(raw[i*16+8:])
		if iovs[i].Len > MaxInput {
			return nil, ErrTooLarge
		}
	}
	return iovs, nil
}

// Mismatch says how two canonical calls differ, or is empty when they agree.
// It compares their canonical forms (View): calls of two ABIs agree when
// they are the same generic call with the same generic arguments; calls of
// one ABI compare as their own rows say. Argument numbers in the text are
// the generic call's.
func Mismatch(a, b *Call) string {
	if a.Row.Generic() && b.Row.Generic() {
		return mismatch(a.ownForm(), b.ownForm())
	}
	// Only here: a View escapes (the report may quote its names).
	va, vb := new(View), new(View)
	return mismatch(a.form(va), b.form(vb))
}

// MismatchViews is Mismatch on canonical forms.
func MismatchViews(a, b *View) string { return mismatch(a.form(), b.form()) }

func mismatch(a, b form) string {
	if a.name != b.name {
		return fmt.Sprintf("different calls: %s vs %s", a.label(), b.label())
	}
	for i := range max(len(a.args), len(b.args)) {
		ka, kb := None, None
		if i < len(a.args) {
			ka = a.args[i].Kind
		}
		if i < len(b.args) {
			kb = b.args[i].Kind
		}
		if ka != kb {
			return fmt.Sprintf("argument %d of %s is a %s in one variant, a %s in the other", i, a.name, ka, kb)
		}
		if ka == Ignore || ka == None {
			continue
		}
		va, vb := &a.vals[i], &b.vals[i]
		switch ka {
		case Int, Flags, FD, PID:
			if va.V != vb.V {
				return fmt.Sprintf("argument %d (%s) differs: %#x vs %#x", i, ka, va.V, vb.V)
			}
			continue
		}
		if va.V != vb.V {
			return fmt.Sprintf("argument %d (%s) is NULL in one variant only", i, ka)
		}
		if !bytes.Equal(va.Data, vb.Data) {
			return fmt.Sprintf("argument %d (%s) content differs: %s vs %s", i, ka,
				Quote(va.Data, 48), Quote(vb.Data, 48))
		}
	}
	if !bytes.Equal(a.extra, b.extra) {
		return fmt.Sprintf("%s: call details differ: %s vs %s", a.name, Quote(a.extra, 48), Quote(b.extra, 48))
	}
	return ""
}

// label names the call for a report: its own name, and the generic one
// when that differs.
func (f form) label() string {
	if f.own != "" && f.own != f.name {
		return f.own + " (" + f.name + ")"
	}
	return f.name
}

// Quote renders bytes like strace: a quoted, escaped prefix of at most max
// bytes, with "..." when cut.
func Quote(b []byte, max int) string {
	cut := len(b) > max
	if cut {
		b = b[:max]
	}
	s := strconv.QuoteToASCII(string(b))
	if cut {
		s += "..."
	}
	return s
}

// String renders the call strace-style, as the variant made it (its own
// name and arguments), with input contents shown and addresses shown only
// as NULL or "&".
func (c *Call) String() string {
	n := min(len(c.Row.Args), 6)
	return render(c.Row.Name, c.Row.Args[:n], c.Vals[:n], c.Extra)
}

// String renders the canonical form like Call.String.
func (v *View) String() string {
	return render(v.Name, v.Args[:v.N], v.Vals[:v.N], v.Extra)
}

func render(name string, args []Arg, vals []Value, extra []byte) string {
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			sb.WriteString(", ")
		}
		v := vals[i]
		switch a.Kind {
		case Int:
			sb.WriteString(strconv.FormatInt(int64(v.V), 10))
		case FD, PID:
			if int32(v.V) == -100 && a.Kind == FD {
				sb.WriteString("AT_FDCWD")
			} else {
				sb.WriteString(strconv.FormatInt(int64(int32(v.V)), 10))
			}
		case Flags:
			sb.WriteString("0x" + strconv.FormatUint(v.V, 16))
		case Ignore, None:
			sb.WriteString("_")
		default:
			switch {
			case v.V == 0:
				sb.WriteString("NULL")
			case a.Kind == StrVec && v.N == 0:
				sb.WriteString("[]")
			case a.Kind == StrVec:
				parts := strings.Split(strings.TrimSuffix(string(v.Data), "\x00"), "\x00")
				if len(parts) > 8 {
					parts = append(parts[:8], "...")
				}
				for j := range parts {
					parts[j] = Quote([]byte(parts[j]), 32)
				}
				sb.WriteString("[" + strings.Join(parts, ", ") + "]")
			case a.Kind.IsInput():
				sb.WriteString(Quote(v.Data, 32))
			default:
				sb.WriteString("&")
			}
		}
	}
	sb.WriteByte(')')
	if len(extra) > 0 {
		sb.WriteString(" {" + Quote(extra, 32) + "}")
	}
	return sb.String()
}

// Address families whose sockaddr holds bytes the kernel ignores.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// CanonSockaddr keeps the bytes of a socket address that name the
// endpoint: what follows a Unix path's NUL, and sin_zero, are whatever the
// variant's stack held and must not be compared.
func CanonSockaddr(b []byte) []byte {
	if len(b) < 2 {
		return b
	}
	switch binary.LittleEndian.Uint16(b) {
	case afUnix:
		if len(b) > 2 && b[2] != 0 {
			if i := bytes.IndexByte(b[2:], 0); i >= 0 {
				return b[:2+i]
			}
		}
	case afInet:
		if len(b) >= 8 {
			return b[:8]
		}
	case afInet6:
		if len(b) >= 28 {
			return b[:28]
		}
	}
	return b
}

// DigestSize is the length of a call's digest.
const DigestSize = 16

// Digest is a digest of what Mismatch compares, the call's canonical form:
// two calls with equal digests agree (up to SHA-256 collisions, truncated to
// 128 bits), whatever their ABIs. A follower host compares its call with the
// leader's digest without the leader's inputs crossing the network.
func Digest(c *Call) [DigestSize]byte {
	if c.Row.Generic() {
		return digest(c.ownForm())
	}
	return digest(c.form(new(View)))
}

// DigestView is Digest of a canonical form. A call whose canonical form is
// its own digests as it did before canonical forms existed.
func DigestView(v *View) [DigestSize]byte { return digest(v.form()) }

func digest(f form) [DigestSize]byte {
	h := sha256.New()
	var b [8]byte
	put := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	h.Write([]byte(f.name))
	h.Write([]byte{0})
	for i, arg := range f.args {
		x := &f.vals[i]
		switch arg.Kind {
		case Ignore, None:
			continue
		case Int, Flags, FD, PID:
			put(x.V)
			continue
		}
		put(x.V)
		put(uint64(len(x.Data)))
		h.Write(x.Data)
	}
	put(uint64(len(f.extra)))
	h.Write(f.extra)
	var d [DigestSize]byte
	copy(d[:], h.Sum(nil))
	return d
}
