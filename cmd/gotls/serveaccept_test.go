package main

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

func TestOutOfDescriptors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"EMFILE", &net.OpError{Op: "accept", Err: syscall.EMFILE}, true},
		{"ENFILE", &net.OpError{Op: "accept", Err: syscall.ENFILE}, true},
		{"closed", net.ErrClosed, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := outOfDescriptors(tt.err); got != tt.want {
			t.Errorf("%s: outOfDescriptors = %v, want %v", tt.name, got, tt.want)
		}
	}
}
