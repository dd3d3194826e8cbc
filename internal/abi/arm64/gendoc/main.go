// Command gendoc writes docs/syscalls-arm64.md from the arm64 system-call
// table. Run it from the repository root:
//
//	go run ./internal/abi/arm64/gendoc
package main

import (
	"flag"
	"log"
	"os"

	"dmvx/internal/abi/arm64"
)

func main() {
	out := flag.String("o", "docs/syscalls-arm64.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(arm64.Markdown()), 0o644); err != nil {
		log.Fatal(err)
	}
}
