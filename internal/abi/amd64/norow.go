package amd64

// noRow says, for every amd64 call without a row, why it has none. Lookup
// puts the reason into its error, and docs/syscalls.md lists them. A test
// keeps every named call either in Table or here.
var noRow = map[uint64]string{
	SYS_SHMGET:     whySysV,
	SYS_SHMAT:      whySysV,
	SYS_SHMCTL:     whySysV,
	SYS_SHMDT:      whySysV,
	SYS_SEMGET:     whySysV,
	SYS_SEMOP:      whySysV,
	SYS_SEMCTL:     whySysV,
	SYS_SEMTIMEDOP: whySysV,
	SYS_MSGGET:     whySysV,
	SYS_MSGSND:     whySysV,
	SYS_MSGRCV:     whySysV,
	SYS_MSGCTL:     whySysV,

	SYS_PTRACE:            "the variants are already traced by the monitor; tracing another process has no replicated meaning",
	SYS_PROCESS_VM_READV:  "reads another process's memory by address",
	SYS_PROCESS_VM_WRITEV: "writes another process's memory by address",
	SYS_PROCESS_MADVISE:   "acts on another process's memory by address",
	SYS_PROCESS_MRELEASE:  "acts on another process's memory",
	SYS_PIDFD_GETFD:       "copies a descriptor out of another process",
	SYS_KCMP:              "compares kernel objects of processes by pid and descriptor, which differ between leader and placeholder",

	SYS_RT_SIGPENDING:   "pending signals differ between the leader and followers that get replicated signals; needs an engine handler",
	SYS_RT_SIGTIMEDWAIT: "consumes a signal synchronously; the engine must replicate which signal, so it needs a handler",
	SYS_TIMER_CREATE:    "struct sigevent carries a sigval that is often a pointer, delivered with the timer's signals; needs a handler",
	SYS_MQ_NOTIFY:       "struct sigevent carries a sigval that is often a pointer, delivered with the notification signal",
	SYS_RESTART_SYSCALL: "resumes whichever call a signal interrupted, leader-only or not: the engine must handle it from the interrupted call",

	SYS_USELIB:           "obsolete: maps a library into the caller",
	SYS_USTAT:            "obsolete",
	SYS_SYSFS:            "obsolete",
	SYS_REMAP_FILE_PAGES: "deprecated; rearranges a shared file mapping",
	SYS_MODIFY_LDT:       "changes the x86 segment descriptors of the caller",
	SYS_SET_THREAD_AREA:  "32-bit TLS through the GDT; unused by 64-bit code",
	SYS_GET_THREAD_AREA:  "32-bit TLS through the GDT; unused by 64-bit code",
	SYS_IOPL:             "grants direct port I/O, which the monitor cannot see",
	SYS_IOPERM:           "grants direct port I/O, which the monitor cannot see",
	SYS_VHANGUP:          "hangs up the controlling terminal, which only the leader holds",
	SYS_URETPROBE:        "only made by the kernel's uretprobe trampoline",

	SYS_MOUNT:          whyMount,
	SYS_UMOUNT2:        whyMount,
	SYS_PIVOT_ROOT:     whyMount,
	SYS_OPEN_TREE:      whyMount,
	SYS_MOVE_MOUNT:     whyMount,
	SYS_FSOPEN:         whyMount,
	SYS_FSCONFIG:       whyMount,
	SYS_FSMOUNT:        whyMount,
	SYS_FSPICK:         whyMount,
	SYS_MOUNT_SETATTR:  whyMount,
	SYS_OPEN_TREE_ATTR: whyMount,
	SYS_STATMOUNT:      whyMount,
	SYS_LISTMOUNT:      whyMount,
	SYS_QUOTACTL:       "multiplexed by command, with command-specific structs; host-wide",
	SYS_QUOTACTL_FD:    "multiplexed by command, with command-specific structs; host-wide",
	SYS_UNSHARE:        "new namespaces (pid, user, mount, net) change what pids, paths and endpoints mean per variant",
	SYS_SETNS:          "joins namespaces: pids, paths and endpoints then mean other things per variant",
	SYS_KEXEC_LOAD:     "its segments are reached through pointers that cannot be compared",

	SYS_IO_SETUP:          whyAIO,
	SYS_IO_DESTROY:        whyAIO,
	SYS_IO_GETEVENTS:      whyAIO,
	SYS_IO_SUBMIT:         whyAIO,
	SYS_IO_CANCEL:         whyAIO,
	SYS_IO_PGETEVENTS:     whyAIO,
	SYS_IO_URING_SETUP:    whyAIO,
	SYS_IO_URING_ENTER:    whyAIO,
	SYS_IO_URING_REGISTER: whyAIO,

	SYS_ADD_KEY:     whyKeys,
	SYS_REQUEST_KEY: whyKeys,
	SYS_KEYCTL:      whyKeys,

	SYS_MIGRATE_PAGES:     "moves pages of a process between NUMA nodes by address",
	SYS_MOVE_PAGES:        "moves pages of a process between NUMA nodes by address",
	SYS_VMSPLICE:          "copies between a pipe and user memory in a direction that depends on the descriptor",
	SYS_PERF_EVENT_OPEN:   "opens performance counters of any process or CPU; results differ per variant",
	SYS_BPF:               "loads programs into the kernel",
	SYS_USERFAULTFD:       "hands the caller's page faults to a descriptor",
	SYS_RECVMMSG:          "a vector of msghdrs with a timeout checked between messages; needs a handler",
	SYS_FANOTIFY_INIT:     "fanotify events carry open descriptors into the reader",
	SYS_FANOTIFY_MARK:     "fanotify events carry open descriptors into the reader",
	SYS_NAME_TO_HANDLE_AT: "variable-size file_handle in and out",
	SYS_OPEN_BY_HANDLE_AT: "opens by file handle, bypassing path checks",
	SYS_SCHED_SETATTR:     "sched_attr's size is inside the struct (versioned); not describable as a fixed struct",
	SYS_SCHED_GETATTR:     "sched_attr's size is inside the struct (versioned); not describable as a fixed struct",
	SYS_MEMFD_SECRET:      "secret memory descriptors; no user needs one under an MVX yet",
	SYS_CACHESTAT:         "page-cache state differs between hosts",

	SYS_LANDLOCK_CREATE_RULESET: whyLandlock,
	SYS_LANDLOCK_ADD_RULE:       whyLandlock,
	SYS_LANDLOCK_RESTRICT_SELF:  whyLandlock,
	SYS_LSM_GET_SELF_ATTR:       "value-result buffer of lsm_ctx records with a u32 size pointer",
	SYS_LSM_SET_SELF_ATTR:       "changes the caller's LSM attributes",
	SYS_LSM_LIST_MODULES:        "value-result array with a u32 size pointer",

	SYS_SETXATTRAT:    whyXattrAt,
	SYS_GETXATTRAT:    whyXattrAt,
	SYS_LISTXATTRAT:   whyXattrAt,
	SYS_REMOVEXATTRAT: whyXattrAt,
	SYS_FILE_GETATTR:  "new in Linux 6.17: variable-size struct file_attr",
	SYS_FILE_SETATTR:  "new in Linux 6.17: variable-size struct file_attr",
	SYS_LISTNS:        "new in Linux 6.18: lists namespaces through a versioned request struct",
}

const (
	whySysV     = "SysV IPC objects are host-wide and shm needs the same shared mapping in every variant"
	whyMount    = "mount-table changes are host- or namespace-wide; not replicable per variant"
	whyAIO      = "asynchronous I/O completes into rings or events in the caller's memory, outside any call"
	whyKeys     = "kernel keyrings are per session and multiplexed by command"
	whyLandlock = "rulesets carry descriptors inside structs; not yet described"
	whyXattrAt  = "new *xattrat calls pass struct xattr_args with pointers inside"
)
