package cpmon

// spinPause is the PAUSE instruction: a polite busy-wait step.
func spinPause()
