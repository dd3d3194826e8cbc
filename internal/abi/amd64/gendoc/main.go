// Command gendoc writes docs/syscalls.md from the amd64 system-call table.
// Run it from the repository root:
//
//	go run ./internal/abi/amd64/gendoc
package main

import (
	"flag"
	"log"
	"os"

	"dmvx/internal/abi/amd64"
)

func main() {
	out := flag.String("o", "docs/syscalls.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(amd64.Markdown()), 0o644); err != nil {
		log.Fatal(err)
	}
}
