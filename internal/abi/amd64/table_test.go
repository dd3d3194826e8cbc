package amd64

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"dmvx/internal/canon"
)

// allRows calls f for every row and sub-row, with a label for messages.
func allRows(f func(label string, nr uint64, row *canon.Row)) {
	for _, nr := range sortedNumbers() {
		row := Table[nr]
		f(row.Name, nr, row)
		for _, s := range subs[nr] {
			f(fmt.Sprintf("%s(%s)", row.Name, s.name), nr, s.row)
		}
	}
}

// lenKinds are the kinds whose Len names another argument.
var lenKinds = map[canon.Kind]bool{
	canon.InBuf: true, canon.OutBuf: true, canon.InIovec: true, canon.OutIovec: true,
	canon.InSockaddr: true, canon.OutSockaddr: true, canon.InArray: true,
	canon.OutArray: true, canon.InOutArray: true,
}

// sizeKinds are the kinds that need a Size.
var sizeKinds = map[canon.Kind]bool{
	canon.InStruct: true, canon.OutStruct: true, canon.InOutStruct: true,
	canon.InArray: true, canon.OutArray: true, canon.InOutArray: true,
}

func TestArgs(t *testing.T) {
	allRows(func(label string, nr uint64, row *canon.Row) {
		if len(row.Args) > 6 {
			t.Errorf("%s: %d arguments", label, len(row.Args))
		}
		for i, a := range row.Args {
			switch {
			case lenKinds[a.Kind]:
				if a.Len < 0 || int(a.Len) >= len(row.Args) || int(a.Len) == i {
					t.Errorf("%s: arg %d (%s) has length arg %d out of range", label, i, a.Kind, a.Len)
					continue
				}
				// OutSockaddr's length is a socklen_t*, every other one a value.
				want := canon.Int
				if a.Kind == canon.OutSockaddr {
					want = canon.Addr
				}
				if got := row.Args[a.Len].Kind; got != want {
					t.Errorf("%s: arg %d (%s) takes its length from arg %d, a %s, want %s", label, i, a.Kind, a.Len, got, want)
				}
			case a.Len != -1:
				t.Errorf("%s: arg %d (%s) has Len %d, want -1", label, i, a.Kind, a.Len)
			}
			if sizeKinds[a.Kind] != (a.Size > 0) {
				t.Errorf("%s: arg %d (%s) has Size %d", label, i, a.Kind, a.Size)
			}
			if a.Kind > canon.InArray {
				t.Errorf("%s: arg %d has unknown kind %d", label, i, a.Kind)
			}
		}
	})
}

var handlers = map[string]bool{
	canon.HClone: true, canon.HExecve: true, canon.HWait: true, canon.HPipe: true,
	canon.HClose: true, canon.HEpollCtl: true, canon.HEpollWait: true,
	canon.HSigaction: true, canon.HSendmsg: true, canon.HRecvmsg: true, canon.HSelect: true,
}

func TestExec(t *testing.T) {
	allRows(func(label string, nr uint64, row *canon.Row) {
		if (row.Exec == canon.ExecSpecial) != (row.Handler != "") {
			t.Errorf("%s: exec %s with handler %q", label, row.Exec, row.Handler)
		}
		if row.Handler != "" && !handlers[row.Handler] {
			t.Errorf("%s: unknown handler %q", label, row.Handler)
		}
		if (row.Exec == canon.ExecNone) != (row.Fixed < 0) || row.Fixed > 0 {
			t.Errorf("%s: exec %s with fixed result %d", label, row.Exec, row.Fixed)
		}
		if row.Exec == canon.ExecByFD {
			if int(row.FDArg) >= len(row.Args) || row.Args[row.FDArg].Kind != canon.FD {
				t.Errorf("%s: by-fd on arg %d, which is not an fd", label, row.FDArg)
			}
		} else if row.FDArg != 0 {
			t.Errorf("%s: FDArg %d on a %s row", label, row.FDArg, row.Exec)
		}
		if row.Exec == canon.ExecOpen && row.Ret != canon.RetFD {
			t.Errorf("%s: open row returns %v, want an fd", label, row.Ret)
		}
		if row.Ret == canon.RetAddr && row.Exec != canon.ExecAll {
			t.Errorf("%s: returns an address but runs %s", label, row.Exec)
		}
	})
}

func TestSensitive(t *testing.T) {
	allRows(func(label string, nr uint64, row *canon.Row) {
		if row.Sensitive && row.Why == "" {
			t.Errorf("%s: sensitive without a why", label)
		}
		if !row.Sensitive && row.Why != "" {
			t.Errorf("%s: a why (%q) on a row that is not sensitive", label, row.Why)
		}
		if row.Sensitive != (row.Level == canon.Never) {
			t.Errorf("%s: sensitive %v at level %s", label, row.Sensitive, row.Level)
		}
	})
	// Calls that DESIGN.md §4 names as always sensitive.
	for _, nr := range []uint64{
		SYS_EXECVE, SYS_EXECVEAT, SYS_CLONE, SYS_CLONE3, SYS_FORK, SYS_VFORK,
		SYS_MMAP, SYS_MPROTECT, SYS_MREMAP, SYS_PKEY_MPROTECT,
		SYS_KILL, SYS_TGKILL, SYS_TKILL, SYS_RT_SIGQUEUEINFO, SYS_RT_TGSIGQUEUEINFO, SYS_PIDFD_SEND_SIGNAL,
		SYS_SETUID, SYS_SETGID, SYS_SETREUID, SYS_SETREGID, SYS_SETRESUID, SYS_SETRESGID,
		SYS_SETFSUID, SYS_SETFSGID, SYS_SETGROUPS, SYS_CAPSET,
		SYS_SECCOMP, SYS_PRCTL, SYS_PERSONALITY, SYS_CHROOT, SYS_ARCH_PRCTL,
		SYS_SOCKET, SYS_BIND, SYS_CONNECT, SYS_LISTEN, SYS_ACCEPT, SYS_ACCEPT4,
		SYS_OPEN, SYS_OPENAT, SYS_CREAT, SYS_OPENAT2,
		SYS_UNLINK, SYS_UNLINKAT, SYS_RENAME, SYS_RENAMEAT, SYS_RENAMEAT2,
		SYS_CHMOD, SYS_FCHMOD, SYS_FCHMODAT, SYS_FCHMODAT2,
		SYS_CHOWN, SYS_FCHOWN, SYS_LCHOWN, SYS_FCHOWNAT,
		SYS_REBOOT, SYS_INIT_MODULE, SYS_FINIT_MODULE, SYS_DELETE_MODULE, SYS_KEXEC_FILE_LOAD,
	} {
		if row := Table[nr]; row == nil || !row.Sensitive {
			t.Errorf("%s: want a sensitive row", Name(nr))
		}
	}
	for _, s := range prctlSubs {
		if !s.row.Sensitive {
			t.Errorf("prctl(%s): not sensitive", s.name)
		}
	}
}

func TestMultiplexed(t *testing.T) {
	want := map[uint64]bool{SYS_IOCTL: true, SYS_FCNTL: true, SYS_PRCTL: true, SYS_FUTEX: true}
	for nr, row := range Table {
		if want[nr] != (row.Sub != nil) {
			t.Errorf("%s: multiplexed %v, sub-table %v", row.Name, want[nr], row.Sub != nil)
		}
		if row.Sub == nil {
			if row.SubArg != 0 || row.SubMask != 0 {
				t.Errorf("%s: SubArg/SubMask without a sub-table", row.Name)
			}
			continue
		}
		if len(row.Sub) == 0 || len(row.Sub) != len(subs[nr]) {
			t.Errorf("%s: %d sub-rows, %d named", row.Name, len(row.Sub), len(subs[nr]))
		}
		if int(row.SubArg) >= len(row.Args) || subLabel[nr] == "" {
			t.Errorf("%s: bad SubArg %d or no label", row.Name, row.SubArg)
		}
		seen := map[string]bool{}
		for _, s := range subs[nr] {
			if row.Sub[s.v] != s.row || seen[s.name] {
				t.Errorf("%s(%s): duplicate value or name", row.Name, s.name)
			}
			seen[s.name] = true
			if s.v&row.SubMask != s.v {
				t.Errorf("%s(%s): value %#x not kept by mask %#x", row.Name, s.name, s.v, row.SubMask)
			}
			if s.row.Name != row.Name || s.row.Sub != nil {
				t.Errorf("%s(%s): sub-row named %q or itself multiplexed", row.Name, s.name, s.row.Name)
			}
			if len(s.row.Args) <= int(row.SubArg) || s.row.Args[row.SubArg].Kind != row.Args[row.SubArg].Kind {
				t.Errorf("%s(%s): selector argument differs from the call's", row.Name, s.name)
			}
			if got := SubName(nr, s.v); got != s.name {
				t.Errorf("SubName(%s, %#x) = %q", row.Name, s.v, got)
			}
			if v, ok := SubNumber(nr, s.name); !ok || v != s.v {
				t.Errorf("SubNumber(%s, %s) = %#x, %v", row.Name, s.name, v, ok)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for nr, row := range Table {
		if nr >= uint64(len(names)) || names[nr] != row.Name {
			t.Errorf("row %d is named %q, the number list says %q", nr, row.Name, Name(nr))
		}
	}
	for nr, why := range noRow {
		if _, ok := Table[nr]; ok {
			t.Errorf("%s: has a row and a reason to have none", Name(nr))
		}
		if nr >= uint64(len(names)) || names[nr] == "" || why == "" {
			t.Errorf("noRow[%d]: unnamed call or empty reason", nr)
		}
	}
	for nr, n := range names {
		if n == "" {
			continue
		}
		_, has := Table[uint64(nr)]
		if _, why := noRow[uint64(nr)]; !has && !why {
			t.Errorf("%s (%d): neither a row nor a reason for none", n, nr)
		}
		if got, ok := Number(n); !ok || got != uint64(nr) {
			t.Errorf("Number(%q) = %d, %v", n, got, ok)
		}
	}
	if Name(SYS_NEWFSTATAT) != "newfstatat" || Name(999) != "syscall_999" || Name(400) != "syscall_400" {
		t.Errorf("Name: %q %q %q", Name(SYS_NEWFSTATAT), Name(999), Name(400))
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		nr   uint64
		args [6]uint64
		want *canon.Row
	}{
		{SYS_READ, [6]uint64{}, Table[SYS_READ]},
		{SYS_IOCTL, [6]uint64{1, TCGETS}, Table[SYS_IOCTL].Sub[TCGETS]},
		// The kernel truncates the request to 32 bits, and so does Lookup.
		{SYS_IOCTL, [6]uint64{1, 0xdead_0000_0000_0000 | TIOCGWINSZ}, Table[SYS_IOCTL].Sub[TIOCGWINSZ]},
		{SYS_FCNTL, [6]uint64{3, F_SETFL, 0x800}, Table[SYS_FCNTL].Sub[F_SETFL]},
		{SYS_PRCTL, [6]uint64{PR_SET_NAME}, Table[SYS_PRCTL].Sub[PR_SET_NAME]},
		{SYS_FUTEX, [6]uint64{0x1000, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME}, Table[SYS_FUTEX].Sub[FUTEX_WAIT_BITSET]},
		{SYS_FUTEX, [6]uint64{0x1000, FUTEX_WAKE | FUTEX_PRIVATE_FLAG}, Table[SYS_FUTEX].Sub[FUTEX_WAKE]},
	} {
		got, err := Lookup(tc.nr, tc.args)
		if err != nil || got != tc.want || got == nil {
			t.Errorf("Lookup(%s, %#x) = %v, %v", Name(tc.nr), tc.args, got, err)
		}
	}
	for _, tc := range []struct {
		nr   uint64
		args [6]uint64
		want string
	}{
		{999, [6]uint64{}, "syscall 999"},
		{400, [6]uint64{}, "syscall 400"},
		{SYS_PTRACE, [6]uint64{}, "ptrace (syscall 101): the variants are already traced"},
		{SYS_IOCTL, [6]uint64{0, 0x540e}, "ioctl(request 0x540e)"},
		{SYS_FCNTL, [6]uint64{0, 1026}, "fcntl(cmd 0x402)"},
		{SYS_PRCTL, [6]uint64{35}, "prctl(option 0x23)"},
		{SYS_FUTEX, [6]uint64{0x1000, 2 | FUTEX_PRIVATE_FLAG}, "futex(op 0x2)"},
	} {
		_, err := Lookup(tc.nr, tc.args)
		var nre *NoRowError
		if !errors.As(err, &nre) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Lookup(%d, %#x) error = %v, want one containing %q", tc.nr, tc.args, err, tc.want)
		}
	}
}

// generic holds the names of the generic Linux table as a 64-bit
// architecture (arm64) has it: the canonical names.
var generic = strings.Fields(`
	io_setup io_destroy io_submit io_cancel io_getevents setxattr lsetxattr fsetxattr
	getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr
	lremovexattr fremovexattr getcwd lookup_dcookie eventfd2 epoll_create1 epoll_ctl
	epoll_pwait dup dup3 fcntl inotify_init1 inotify_add_watch inotify_rm_watch ioctl
	ioprio_set ioprio_get flock mknodat mkdirat unlinkat symlinkat linkat renameat
	umount2 mount pivot_root nfsservctl statfs fstatfs truncate ftruncate fallocate
	faccessat chdir fchdir chroot fchmod fchmodat fchownat fchown openat close vhangup
	pipe2 quotactl getdents64 lseek read write readv writev pread64 pwrite64 preadv
	pwritev sendfile pselect6 ppoll signalfd4 vmsplice splice tee readlinkat
	newfstatat fstat sync fsync fdatasync sync_file_range timerfd_create
	timerfd_settime timerfd_gettime utimensat acct capget capset personality exit
	exit_group waitid set_tid_address unshare futex set_robust_list get_robust_list
	nanosleep getitimer setitimer kexec_load init_module delete_module timer_create
	timer_gettime timer_getoverrun timer_settime timer_delete clock_settime
	clock_gettime clock_getres clock_nanosleep syslog ptrace sched_setparam
	sched_setscheduler sched_getscheduler sched_getparam sched_setaffinity
	sched_getaffinity sched_yield sched_get_priority_max sched_get_priority_min
	sched_rr_get_interval restart_syscall kill tkill tgkill sigaltstack rt_sigsuspend
	rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait rt_sigqueueinfo
	rt_sigreturn setpriority getpriority reboot setregid setgid setreuid setuid
	setresuid getresuid setresgid getresgid setfsuid setfsgid times setpgid getpgid
	getsid setsid getgroups setgroups uname sethostname setdomainname getrlimit
	setrlimit getrusage umask prctl getcpu gettimeofday settimeofday adjtimex getpid
	getppid getuid geteuid getgid getegid gettid sysinfo mq_open mq_unlink
	mq_timedsend mq_timedreceive mq_notify mq_getsetattr msgget msgctl msgrcv msgsnd
	semget semctl semtimedop semop shmget shmctl shmat shmdt socket socketpair bind
	listen accept connect getsockname getpeername sendto recvfrom setsockopt
	getsockopt shutdown sendmsg recvmsg readahead brk munmap mremap add_key
	request_key keyctl clone execve mmap fadvise64 swapon swapoff mprotect msync
	mlock munlock mlockall munlockall mincore madvise remap_file_pages mbind
	get_mempolicy set_mempolicy migrate_pages move_pages rt_tgsigqueueinfo
	perf_event_open accept4 recvmmsg wait4 prlimit64 fanotify_init fanotify_mark
	name_to_handle_at open_by_handle_at clock_adjtime syncfs setns sendmmsg
	process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr
	renameat2 seccomp getrandom memfd_create bpf execveat userfaultfd membarrier
	mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc pkey_free statx
	io_pgetevents rseq kexec_file_load pidfd_send_signal io_uring_setup
	io_uring_enter io_uring_register open_tree move_mount fsopen fsconfig fsmount
	fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2
	process_madvise epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset
	landlock_add_rule landlock_restrict_self memfd_secret process_mrelease
	futex_waitv set_mempolicy_home_node cachestat fchmodat2 map_shadow_stack
	futex_wake futex_wait futex_requeue statmount listmount lsm_get_self_attr
	lsm_set_self_attr lsm_list_modules mseal setxattrat getxattrat listxattrat
	removexattrat open_tree_attr file_getattr file_setattr listns`)

func TestCanonAliases(t *testing.T) {
	isGeneric := map[string]bool{}
	for _, n := range generic {
		isGeneric[n] = true
	}
	for nr, row := range Table {
		if row.Canon == "" {
			continue
		}
		if isGeneric[row.Name] {
			t.Errorf("%s (%d): a generic call with alias %q", row.Name, nr, row.Canon)
		}
		if !isGeneric[row.Canon] {
			t.Errorf("%s (%d): alias %q is not a generic call", row.Name, nr, row.Canon)
		}
	}
}

func TestDocUpToDate(t *testing.T) {
	const path = "../../../docs/syscalls.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `go run ./internal/abi/amd64/gendoc` from the repository root", err)
	}
	if string(got) != Markdown() {
		t.Fatalf("%s is stale: run `go run ./internal/abi/amd64/gendoc` from the repository root", path)
	}
}
