// Command gendoc writes docs/policy.md from the policy rules. Run it from
// the repository root:
//
//	go run ./internal/policy/gendoc
package main

import (
	"flag"
	"log"
	"os"

	"dmvx/internal/ipmon"
	"dmvx/internal/policy"
)

func main() {
	out := flag.String("o", "docs/policy.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(policy.Markdown(ipmon.Implemented(), ipmon.ImplementedSubs())), 0o644); err != nil {
		log.Fatal(err)
	}
}
