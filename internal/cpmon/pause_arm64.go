package cpmon

// spinPause is the YIELD instruction: a polite busy-wait step.
func spinPause()
