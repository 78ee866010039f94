// Command fakebin stands in for sonar-preflight in the launcher tests: it
// reports its arguments and environment as JSON on stdout, writes one line to
// stderr, then, as the environment says:
//
//	FAKE_REPORT=Failed  print ##vso[task.complete result=Failed;] as the real binary does
//	FAKE_EXIT=N         exit with code N
//	FAKE_SIGNAL=KILL    die by SIGKILL (after the report, if any)
//	FAKE_WAIT=TERM      wait for SIGTERM, report if asked, then exit with code 5
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"args": os.Args[1:], "env": os.Environ(), "pid": os.Getpid()})
	fmt.Fprintln(os.Stderr, "fakebin: stderr line")
	report := func() {
		if r := os.Getenv("FAKE_REPORT"); r != "" {
			// Written in two pieces, as a large report may reach the launcher.
			fmt.Print("##vso[task.complete ")
			fmt.Printf("result=%s;]fake result\n", r)
		}
	}
	if os.Getenv("FAKE_WAIT") == "TERM" {
		<-term
		fmt.Println("fakebin: terminated")
		report()
		os.Exit(5)
	}
	report()
	if os.Getenv("FAKE_SIGNAL") == "KILL" {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	code, _ := strconv.Atoi(os.Getenv("FAKE_EXIT"))
	os.Exit(code)
}
