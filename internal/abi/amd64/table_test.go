package amd64

import (
	"errors"
	"os"
	"strings"
	"testing"

	"dmvx/internal/abi/abitest"
	"dmvx/internal/canon"
)

func TestArgs(t *testing.T)  { abitest.CheckArgs(t, ABI) }
func TestCanon(t *testing.T) { abitest.CheckCanon(t, ABI) }
func TestExec(t *testing.T)  { abitest.CheckExec(t, ABI) }
func TestNames(t *testing.T) { abitest.CheckNames(t, ABI) }
func TestMultiplexed(t *testing.T) {
	abitest.CheckMultiplexed(t, ABI, SYS_IOCTL, SYS_FCNTL, SYS_PRCTL, SYS_FUTEX)
}

func TestSensitive(t *testing.T) {
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

func TestNameEdges(t *testing.T) {
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
var genericNames = strings.Fields(`
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
	for _, n := range genericNames {
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
