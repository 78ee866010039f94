// Command fakebin stands in for sonar-preflight in the launcher tests: it
// reports its arguments and environment as JSON on stdout, writes one line to
// stderr, then exits with the code in FAKE_EXIT or dies by FAKE_SIGNAL=KILL.
// With FAKE_WAIT=TERM it waits for SIGTERM and then exits with code 5.
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
	if os.Getenv("FAKE_SIGNAL") == "KILL" {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	if os.Getenv("FAKE_WAIT") == "TERM" {
		<-term
		fmt.Println("fakebin: terminated")
		os.Exit(5)
	}
	code, _ := strconv.Atoi(os.Getenv("FAKE_EXIT"))
	os.Exit(code)
}
