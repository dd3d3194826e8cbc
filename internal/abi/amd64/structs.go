package amd64

// Byte sizes of the amd64 kernel structures that the table's arguments name.
// They are the kernel's layouts (what the system call reads or writes), not
// glibc's where the two differ (sigset_t, struct sigaction, struct termios).
// Checked with gcc against the x86_64 uapi and glibc headers.
const (
	SizeofStat        = 144 // struct stat (fstat, newfstatat, stat, lstat)
	SizeofStatx       = 256 // struct statx
	SizeofStatfs      = 120 // struct statfs
	SizeofTimespec    = 16  // struct timespec
	SizeofTimespec2   = 32  // struct timespec[2] (utimensat)
	SizeofTimeval     = 16  // struct timeval
	SizeofTimeval2    = 32  // struct timeval[2] (utimes, futimesat)
	SizeofTimezone    = 8   // struct timezone (gettimeofday, settimeofday)
	SizeofTimeT       = 8   // time_t (time)
	SizeofItimerval   = 32  // struct itimerval
	SizeofItimerspec  = 32  // struct itimerspec (timer_*, timerfd_*)
	SizeofUtimbuf     = 16  // struct utimbuf (utime)
	SizeofTimex       = 208 // struct timex (adjtimex, clock_adjtime)
	SizeofRusage      = 144 // struct rusage
	SizeofTms         = 32  // struct tms
	SizeofRlimit      = 16  // struct rlimit (getrlimit, setrlimit)
	SizeofRlimit64    = 16  // struct rlimit64 (prlimit64)
	SizeofSysinfo     = 112 // struct sysinfo
	SizeofUtsname     = 390 // struct new_utsname (uname): 6 fields of 65 bytes
	SizeofSigset      = 8   // kernel sigset_t: 64 signals (the sigsetsize argument)
	SizeofSigaction   = 32  // kernel struct sigaction: handler, flags, restorer, mask
	SizeofStackT      = 24  // stack_t (sigaltstack)
	SizeofSiginfo     = 128 // siginfo_t
	SizeofEpollEvent  = 12  // struct epoll_event: packed on amd64 only
	SizeofPollFd      = 8   // struct pollfd
	SizeofIovec       = 16  // struct iovec
	SizeofMsghdr      = 56  // struct msghdr
	SizeofMmsghdr     = 64  // struct mmsghdr
	SizeofFlock       = 32  // struct flock: 8 of its bytes are padding
	SizeofCloneArgs   = 88  // struct clone_args, CLONE_ARGS_SIZE_VER2
	SizeofOpenHow     = 24  // struct open_how, OPEN_HOW_SIZE_VER0
	SizeofTermios     = 36  // kernel struct termios (TCGETS), not glibc's 60
	SizeofTermios2    = 44  // struct termios2 (TCGETS2)
	SizeofWinsize     = 8   // struct winsize
	SizeofSchedParam  = 4   // struct sched_param
	SizeofCapHeader   = 8   // struct __user_cap_header_struct
	SizeofCapData     = 12  // struct __user_cap_data_struct (one of them)
	SizeofCapData3    = 24  // _LINUX_CAPABILITY_U32S_3 (2) cap data structs
	SizeofMqAttr      = 64  // struct mq_attr: 4 longs and 4 reserved
	SizeofRobustHead  = 24  // struct robust_list_head
	SizeofInt         = 4   // int (pipe fds, status words, socket options)
	SizeofLong        = 8   // long, loff_t, off_t
	SizeofPipeFds     = 8   // int[2] (pipe, pipe2, socketpair)
	SizeofSockaddrMax = 128 // struct sockaddr_storage
	SizeofTaskCommLen = 16  // TASK_COMM_LEN (PR_SET_NAME, PR_GET_NAME)
	SizeofCPUSetGlibc = 128 // glibc cpu_set_t (sched_*affinity take a length)
	SizeofFutexWaitv  = 24  // struct futex_waitv
)
