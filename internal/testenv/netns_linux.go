//go:build linux

package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startConfined starts name with args as a process that is born in a new
// network namespace of its own (clone with CLONE_NEWNET), so whatever it
// binds, 0.0.0.0 and [::] included, exists only there. It brings up the
// namespace's loopback device, its only one, and returns the process with
// an open handle on the namespace, closed when the test ends. Errors that
// mean this system or process may not use network namespaces wrap
// errNoNetNS.
func startConfined(t testing.TB, name string, args []string) (*Proc, *os.File, error) {
	t.Helper()
	p, err := start(t, name, args, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET})
	if err != nil {
		if deniedErrno(err, syscall.EPERM, syscall.EACCES, syscall.EINVAL, syscall.ENOSYS) {
			err = fmt.Errorf("%w: %w", errNoNetNS, err)
		}
		return nil, nil, fmt.Errorf("starting %s in a new network namespace: %w", p, err)
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", p.cmd.Process.Pid))
	if err != nil {
		p.Kill()
		return nil, nil, fmt.Errorf("opening the network namespace of %s: %w\n%s", p, err, p.Report())
	}
	t.Cleanup(func() { _ = ns.Close() })
	if err := checkSeparate(ns); err != nil {
		p.Kill()
		return nil, nil, err
	}
	if err := inNetNS(ns, loopbackUp); err != nil {
		p.Kill()
		return nil, nil, fmt.Errorf("bringing up lo in the namespace of %s: %w", p, err)
	}
	return p, ns, nil
}

// deniedErrno reports whether err is one of the given system errors.
func deniedErrno(err error, errnos ...syscall.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// checkSeparate makes sure ns is not the namespace this process is in:
// a confined process that shares it would not be confined at all.
func checkSeparate(ns *os.File) error {
	inner, err := ns.Stat()
	if err != nil {
		return err
	}
	outer, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		return err
	}
	if os.SameFile(inner, outer) {
		return errors.New("the new process shares the test's network namespace")
	}
	return nil
}

// loopbackUp sets the IFF_UP flag of the device "lo" in the namespace of
// the calling thread, which gives it 127.0.0.1 and ::1.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS: %w", err)
	}
	return nil
}

// dialInNetNS connects to addr (an IPv4 literal and port) from inside the
// network namespace ns, giving up after timeout. The connection is an
// ordinary one afterwards: a socket stays in the namespace it was made in,
// whichever thread uses it.
func dialInNetNS(ns *os.File, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := inNetNS(ns, func() error {
		// "tcp4" and a literal address keep the whole dial, socket
		// included, on this goroutine and so on the switched thread.
		var err error
		c, err = net.DialTimeout("tcp4", addr, timeout)
		return err
	})
	return c, err
}

// inNetNS runs fn on an OS thread that has joined the network namespace
// ns, so that the sockets fn creates belong to ns. fn must create them on
// its own goroutine and start no goroutine that does. The thread goes
// back to its namespace afterwards; if it cannot, it is never used again,
// because its goroutine ends still locked to it and the runtime then
// terminates the thread.
func inNetNS(ns *os.File, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- onNetNSThread(ns, fn) }()
	return <-done
}

// onNetNSThread is the body of inNetNS's goroutine.
func onNetNSThread(ns *os.File, fn func() error) error {
	runtime.LockOSThread()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("opening this thread's network namespace: %w", err)
	}
	defer home.Close()
	if err := setNetNS(ns); err != nil {
		runtime.UnlockOSThread() // setns changes nothing when it fails
		if deniedErrno(err, syscall.EPERM, syscall.EACCES, syscall.ENOSYS) {
			err = fmt.Errorf("%w: %w", errNoNetNS, err)
		}
		return fmt.Errorf("entering the network namespace: %w", err)
	}
	fnErr := fn()
	if err := setNetNS(home); err != nil {
		// Stay locked: the thread dies with this goroutine.
		return errors.Join(fnErr, fmt.Errorf("returning to the original network namespace: %w", err))
	}
	runtime.UnlockOSThread()
	return fnErr
}

// setNetNS moves the calling thread into the network namespace f refers
// to. Control keeps f's descriptor from being closed and reused meanwhile.
func setNetNS(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var setErr error
	if err := rc.Control(func(fd uintptr) { setErr = unix.Setns(int(fd), unix.CLONE_NEWNET) }); err != nil {
		return err
	}
	return setErr
}
