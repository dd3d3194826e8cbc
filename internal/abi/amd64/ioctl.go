package amd64

import "dmvx/internal/canon"

// ioctl requests with a row (x86 values; asm-generic/ioctls.h).
const (
	TCGETS     = 0x5401
	TCSETS     = 0x5402
	TCSETSW    = 0x5403
	TCSETSF    = 0x5404
	TCSBRK     = 0x5409
	TCXONC     = 0x540a
	TCFLSH     = 0x540b
	TIOCGPGRP  = 0x540f
	TIOCSPGRP  = 0x5410
	TIOCOUTQ   = 0x5411
	TIOCGWINSZ = 0x5413
	TIOCSWINSZ = 0x5414
	FIONREAD   = 0x541b
	FIONBIO    = 0x5421
	TIOCGSID   = 0x5429
	TCGETS2    = 0x802c542a
	TCSETS2    = 0x402c542b
	TCSETSW2   = 0x402c542c
	TCSETSF2   = 0x402c542d
	TIOCGPTN   = 0x80045430
	TIOCSPTLCK = 0x40045431
	FIONCLEX   = 0x5450
	FIOCLEX    = 0x5451
	FIOASYNC   = 0x5452
	FIOQSIZE   = 0x5460
)

// ioctlSubs are the ioctl requests dmvx supports. Terminal requests run by
// descriptor: on a regular file (local) every variant gets ENOTTY itself, on
// a tty (leader-only) the leader runs them. The close-on-exec requests
// change the descriptor table, which every variant keeps identical.
//
// Left out on purpose: TIOCSCTTY and TIOCNOTTY (they change the caller's
// controlling terminal, which only the leader would do), TIOCSTI (injects
// terminal input), TIOCGPTPEER (opens a descriptor), and every device
// request: a missing request makes Lookup fail, naming it.
var ioctlSubs = []sub{
	{TCGETS, "TCGETS", ioctlRow(canon.OutStructA(SizeofTermios), canon.NonsocketRO)},
	{TCSETS, "TCSETS", ioctlRow(canon.InStructA(SizeofTermios), canon.NonsocketRW)},
	{TCSETSW, "TCSETSW", ioctlRow(canon.InStructA(SizeofTermios), canon.NonsocketRW)},
	{TCSETSF, "TCSETSF", ioctlRow(canon.InStructA(SizeofTermios), canon.NonsocketRW)},
	{TCSBRK, "TCSBRK", ioctlRow(canon.IntA, canon.NonsocketRW)},
	{TCXONC, "TCXONC", ioctlRow(canon.IntA, canon.NonsocketRW)},
	{TCFLSH, "TCFLSH", ioctlRow(canon.IntA, canon.NonsocketRW)},
	// Process groups are in the leader's numbering, as followers see them.
	{TIOCGPGRP, "TIOCGPGRP", ioctlRow(canon.OutStructA(SizeofInt), canon.NonsocketRO)},
	{TIOCSPGRP, "TIOCSPGRP", ioctlRow(canon.InStructA(SizeofInt), canon.NonsocketRW)},
	{TIOCOUTQ, "TIOCOUTQ", ioctlRow(canon.OutStructA(SizeofInt), canon.NonsocketRO)},
	{TIOCGWINSZ, "TIOCGWINSZ", ioctlRow(canon.OutStructA(SizeofWinsize), canon.NonsocketRO)},
	{TIOCSWINSZ, "TIOCSWINSZ", ioctlRow(canon.InStructA(SizeofWinsize), canon.NonsocketRW)},
	{FIONREAD, "FIONREAD", ioctlRow(canon.OutStructA(SizeofInt), canon.NonsocketRO)},
	// FIONBIO and FIOASYNC set O_NONBLOCK / O_ASYNC on the open file, as
	// fcntl(F_SETFL) does.
	{FIONBIO, "FIONBIO", ioctlRow(canon.InStructA(SizeofInt), canon.NonsocketRO)},
	{TIOCGSID, "TIOCGSID", ioctlRow(canon.OutStructA(SizeofInt), canon.NonsocketRO)},
	{TCGETS2, "TCGETS2", ioctlRow(canon.OutStructA(SizeofTermios2), canon.NonsocketRO)},
	{TCSETS2, "TCSETS2", ioctlRow(canon.InStructA(SizeofTermios2), canon.NonsocketRW)},
	{TCSETSW2, "TCSETSW2", ioctlRow(canon.InStructA(SizeofTermios2), canon.NonsocketRW)},
	{TCSETSF2, "TCSETSF2", ioctlRow(canon.InStructA(SizeofTermios2), canon.NonsocketRW)},
	{TIOCGPTN, "TIOCGPTN", ioctlRow(canon.OutStructA(SizeofInt), canon.NonsocketRO)},
	{TIOCSPTLCK, "TIOCSPTLCK", ioctlRow(canon.InStructA(SizeofInt), canon.NonsocketRW)},
	{FIONCLEX, "FIONCLEX", &canon.Row{Name: "ioctl", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO}},
	{FIOCLEX, "FIOCLEX", &canon.Row{Name: "ioctl", Args: canon.A(canon.FDA, canon.IntA), Exec: canon.ExecAll, Level: canon.NonsocketRO}},
	{FIOASYNC, "FIOASYNC", ioctlRow(canon.InStructA(SizeofInt), canon.NonsocketRO)},
	{FIOQSIZE, "FIOQSIZE", ioctlRow(canon.OutStructA(SizeofLong), canon.NonsocketRO)},
}

// ioctlRow is a request that runs by descriptor with argument arg.
func ioctlRow(arg canon.Arg, level canon.Level) *canon.Row {
	return &canon.Row{Name: "ioctl", Args: canon.A(canon.FDA, canon.IntA, arg), Exec: canon.ExecByFD, Level: level}
}
