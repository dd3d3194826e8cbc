package cpmon

import (
	"encoding/binary"
	"errors"

	"dmvx/internal/canon"
)

const (
	atNull        = 0
	atIgnore      = 1
	atSysinfoEhdr = 33
)

// hideVDSO turns the AT_SYSINFO_EHDR entry of a freshly exec'd image's
// auxiliary vector into AT_IGNORE. The C library then finds no vDSO and
// makes real clock_gettime/gettimeofday/time calls, which the leader
// executes and replicates; through the vDSO each variant would read its own
// clock without the monitor seeing it.
func hideVDSO(mem canon.Mem, sp uint64) error {
	var w [8]byte
	read := func(a uint64) (uint64, error) {
		if err := mem.Read(a, w[:]); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(w[:]), nil
	}
	argc, err := read(sp)
	if err != nil {
		return err
	}
	p := sp + 8 + 8*(argc+1) // skip argv and its NULL
	for i := 0; ; i++ {      // skip envp
		if i > 1<<20 {
			return errors.New("environment without end")
		}
		e, err := read(p)
		if err != nil {
			return err
		}
		p += 8
		if e == 0 {
			break
		}
	}
	for i := 0; i < 64; i++ {
		typ, err := read(p)
		if err != nil {
			return err
		}
		switch typ {
		case atNull:
			return nil
		case atSysinfoEhdr:
			binary.LittleEndian.PutUint64(w[:], atIgnore)
			return mem.Write(p, w[:])
		}
		p += 16
	}
	return errors.New("auxiliary vector without end")
}
