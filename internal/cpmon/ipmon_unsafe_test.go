package cpmon

import (
	"encoding/binary"
	"os"
	"testing"
	"unsafe"

	"dmvx/internal/ipmon"
)

// addrOf is where b lies in this process.
func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }

// CP-MON learns what IP-MON did to the descriptor table from the leader's
// descriptor map, and only when IP-MON's counter says something changed.
// Here this process plays both variants: their maps are buffers in it,
// read and written through process_vm_readv/writev as a variant's are.
func TestReconcileFDs(t *testing.T) {
	reg, err := ipmon.NewRegion(2)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	leader, follower := make([]byte, ipmon.Page), make([]byte, ipmon.Page)
	reg.Bases[0], reg.Bases[1] = addrOf(leader), addrOf(follower)
	ip := &ipmonProc{reg: reg, pids: []int{os.Getpid(), os.Getpid()}, noEpoll: map[int]bool{},
		epoll: []*ipmon.EpollMap{{}, {}}}
	m := New(Config{Paths: []string{"a", "b"}})
	fds := newFDTable()
	fds.ipm = ip
	lt := &ltask{proc: &lproc{fds: fds, ipm: ip}}

	regular, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	rfd := int(regular.Fd())
	fds.set(rfd, fdInfo{local: true})
	fds.set(0, fdInfo{})
	if leader[rfd] != ipmon.FDLocal || follower[rfd] != ipmon.FDLocal {
		t.Fatalf("CP-MON's set wrote class %d/%d for a local file, want %d", leader[rfd], follower[rfd], ipmon.FDLocal)
	}

	bump := func() {
		g := binary.LittleEndian.Uint64(leader[ipmon.FDMapGen:])
		binary.LittleEndian.PutUint64(leader[ipmon.FDMapGen:], g+1)
	}
	// The leader's IP-MON closes the file and dups fd 0 onto 40.
	leader[rfd] = ipmon.FDUnknown
	leader[40] = leader[0]
	// Without a new count CP-MON does not look.
	m.reconcileFDsLocked(lt)
	if _, ok := fds.get(rfd); !ok {
		t.Fatal("reconciled although IP-MON's counter did not move")
	}
	bump()
	m.reconcileFDsLocked(lt)
	if _, ok := fds.get(rfd); ok {
		t.Errorf("fd %d, closed by IP-MON, is still in CP-MON's table", rfd)
	}
	if info, ok := fds.get(40); !ok || info.local {
		t.Errorf("fd 40, IP-MON's dup of fd 0, = %+v, %v; want the leader's", info, ok)
	}
	if _, ok := fds.get(0); !ok {
		t.Error("fd 0 vanished")
	}
	// A number that changes class (closed, then reopened as a local
	// file) is replaced, and an fd only CP-MON handles stays CP-MON's.
	leader[40] = ipmon.FDLocal
	leader[41] = ipmon.FDCPMON
	bump()
	m.reconcileFDsLocked(lt)
	if info, ok := fds.get(40); !ok || !info.local {
		t.Errorf("fd 40 = %+v, %v; want local", info, ok)
	}
	if _, ok := fds.get(41); ok {
		t.Error("an fd marked for CP-MON alone was added from the map")
	}
	if fds.ipm != ip {
		t.Error("reconciling left the table unhooked from IP-MON")
	}
}
