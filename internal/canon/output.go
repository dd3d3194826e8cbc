package canon

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Out is output memory that the leader's kernel wrote for one argument, to
// be written into each follower at the follower's own address.
type Out struct {
	Arg  int
	Data []byte
	// SockLen is the length the kernel stored through an OutSockaddr's
	// socklen_t* (value-result): it may exceed len(Data) when truncated.
	SockLen uint32
}

// Capture reads the outputs of a call that the leader completed with ret.
// Nothing is written on failure, so a negative ret captures nothing.
func Capture(c *Call, ret int64, mem Mem) ([]Out, error) {
	if ret < 0 {
		return nil, nil
	}
	var outs []Out
	for i, a := range c.Row.Args {
		if i >= 6 || !a.Kind.IsOutput() || c.Raw[i] == 0 {
			continue
		}
		p := c.Raw[i]
		o := Out{Arg: i}
		switch a.Kind {
		case OutBuf:
			n := min(uint64(ret), lenOf(a, c.Raw))
			if n > MaxInput {
				return nil, ErrTooLarge
			}
			o.Data = make([]byte, n)
		case OutStruct, InOutStruct:
			o.Data = make([]byte, a.Size)
		case OutArray:
			n := min(uint64(ret), lenOf(a, c.Raw))
			if n > maxArrayElem {
				return nil, ErrTooLarge
			}
			o.Data = make([]byte, int(n)*a.Size)
		case InOutArray:
			n := lenOf(a, c.Raw)
			if n > maxArrayElem {
				return nil, ErrTooLarge
			}
			o.Data = make([]byte, int(n)*a.Size)
		case OutSockaddr:
			lp := lenOf(a, c.Raw)
			if lp == 0 {
				continue
			}
			var lb [4]byte
			if err := mem.Read(lp, lb[:]); err != nil {
				return nil, err
			}
			o.SockLen = binary.LittleEndian.Uint32(lb[:])
			// The kernel wrote at most the capacity the call gave it.
			o.Data = make([]byte, min(o.SockLen, uint32(max(c.Vals[i].N, 0)), 4096))
		case OutIovec:
			iovs, err := ReadIovecs(mem, p, lenOf(a, c.Raw))
			if err != nil {
				return nil, err
			}
			left := uint64(ret)
			if left > MaxInput {
				return nil, ErrTooLarge
			}
			o.Data = make([]byte, 0, left)
			for _, iov := range iovs {
				n := min(left, iov.Len)
				if n == 0 {
					continue
				}
				b := make([]byte, n)
				if err := mem.Read(iov.Base, b); err != nil {
					return nil, err
				}
				o.Data = append(o.Data, b...)
				left -= n
			}
			outs = append(outs, o)
			continue
		}
		if len(o.Data) > 0 {
			if err := mem.Read(p, o.Data); err != nil {
				return nil, fmt.Errorf("%s arg %d: %w", c.Row.Name, i, err)
			}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// Apply writes the leader's outputs into a follower whose own decoded call
// is fc, at the follower's own addresses and within its own capacities.
func Apply(fc *Call, outs []Out, mem Mem) error {
	for _, o := range outs {
		if o.Arg < 0 || o.Arg >= len(fc.Row.Args) || o.Arg >= 6 {
			return fmt.Errorf("%s: output for argument %d", fc.Row.Name, o.Arg)
		}
		a := fc.Row.Args[o.Arg]
		p := fc.Raw[o.Arg]
		if p == 0 {
			continue
		}
		switch a.Kind {
		case OutSockaddr:
			lp := lenOf(a, fc.Raw)
			if lp == 0 {
				continue
			}
			var lb [4]byte
			if err := mem.Read(lp, lb[:]); err != nil {
				return err
			}
			capacity := binary.LittleEndian.Uint32(lb[:])
			n := min(uint32(len(o.Data)), capacity)
			if err := mem.Write(p, o.Data[:n]); err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(lb[:], o.SockLen)
			if err := mem.Write(lp, lb[:]); err != nil {
				return err
			}
		case OutIovec:
			iovs, err := ReadIovecs(mem, p, lenOf(a, fc.Raw))
			if err != nil {
				return err
			}
			data := o.Data
			for _, iov := range iovs {
				n := min(uint64(len(data)), iov.Len)
				if n == 0 {
					continue
				}
				if err := mem.Write(iov.Base, data[:n]); err != nil {
					return err
				}
				data = data[n:]
			}
		default:
			if len(o.Data) == 0 {
				continue
			}
			// The follower passed the same lengths (they were compared), so
			// its buffer holds what the leader's did.
			if err := mem.Write(p, o.Data); err != nil {
				return err
			}
		}
	}
	return nil
}

// OutBytes is the number of bytes that outs carry (for statistics).
func OutBytes(outs []Out) int {
	n := 0
	for _, o := range outs {
		n += len(o.Data)
	}
	return n
}

// ResultDigest is a digest of a call's result and outputs: a follower host
// that made a call itself (a read of its own copy of a file) compares its
// own with the leader's, without the data crossing the network.
func ResultDigest(ret int64, outs []Out) [DigestSize]byte {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(ret))
	h.Write(b[:])
	for _, o := range outs {
		binary.LittleEndian.PutUint64(b[:], uint64(o.Arg))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[:], uint64(len(o.Data)))
		h.Write(b[:])
		h.Write(o.Data)
		binary.LittleEndian.PutUint32(b[:4], o.SockLen)
		h.Write(b[:4])
	}
	var d [DigestSize]byte
	copy(d[:], h.Sum(nil))
	return d
}
