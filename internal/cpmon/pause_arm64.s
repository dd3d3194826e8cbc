#include "textflag.h"

// func spinPause()
TEXT ·spinPause(SB),NOSPLIT,$0-0
	YIELD
	RET
