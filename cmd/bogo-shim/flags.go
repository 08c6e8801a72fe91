package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// flagSpec describes one shim flag: whether it takes a value, and what it
// does to a connection's options. BoringSSL's ssl/test/test_config.cc is
// the list of flags the runner may pass.
type flagSpec struct {
	name string
	// param is true when the flag takes the next argument as its value.
	param bool
	// set applies the flag; value is "" for boolean flags.
	set func(o *options, value string) error
}

// errUnknownFlag is returned for a flag the shim does not know at all.
var errUnknownFlag = errors.New("unknown flag")

// parsedArgs is the command line split per connection.
type parsedArgs struct {
	// probe is set by -is-handshaker-supported.
	probe bool
	// initial, resume and retry are the options of the first connection,
	// of resumption connections and of a 0-RTT retry.
	initial, resume, retry *options
}

// parseArgs reads the shim's command line as BoringSSL's shim does: flags
// are single-dash, repeated flags accumulate, and the prefixes
// -on-initial-, -on-resume- and -on-retry- restrict a flag to one kind of
// connection, -on-shim- keeps it here and -on-handshaker- sends it to a
// split handshaker, which this shim does not have.
func parseArgs(args []string) (*parsedArgs, error) {
	table := flagTable()
	p := &parsedArgs{initial: newOptions(), resume: newOptions(), retry: newOptions()}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, skip := arg, false
		if rest, ok := cutPrefix(name, "-on-shim"); ok {
			name = rest
		} else if rest, ok := cutPrefix(name, "-on-handshaker"); ok {
			name, skip = rest, true
		}
		targets := []*options{p.initial, p.resume, p.retry}
		for _, pt := range []struct {
			prefix string
			target *options
		}{{"-on-initial", p.initial}, {"-on-resume", p.resume}, {"-on-retry", p.retry}} {
			if rest, ok := cutPrefix(name, pt.prefix); ok {
				name, targets = rest, []*options{pt.target}
				break
			}
		}
		if name == "-is-handshaker-supported" {
			p.probe = true
			continue
		}
		spec, ok := table[name]
		if !ok {
			return nil, fmt.Errorf("%w %s", errUnknownFlag, arg)
		}
		value := ""
		if spec.param {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag %s needs a value", arg)
			}
			i++
			value = args[i]
		}
		if skip {
			continue
		}
		for _, o := range targets {
			if err := spec.set(o, value); err != nil {
				return nil, fmt.Errorf("invalid value %q for %s: %w", value, arg, err)
			}
		}
	}
	return p, nil
}

// cutPrefix removes prefix from s when s continues with "-" after it, so
// that "-on-resume-curves" yields "-curves".
func cutPrefix(s, prefix string) (string, bool) {
	if len(s) > len(prefix) && strings.HasPrefix(s, prefix) && s[len(prefix)] == '-' {
		return s[len(prefix):], true
	}
	return s, false
}

// flagTable returns every flag the shim recognises, keyed by name.
func flagTable() map[string]flagSpec {
	var all []flagSpec
	all = append(all, transportFlags()...)
	all = append(all, versionFlags()...)
	all = append(all, credentialFlags()...)
	all = append(all, negotiationFlags()...)
	all = append(all, callbackFlags()...)
	all = append(all, expectationFlags()...)
	all = append(all, dataFlags()...)
	all = append(all, acceptedFlags()...)
	all = append(all, unsupportedFlags()...)
	table := make(map[string]flagSpec, len(all))
	for _, f := range all {
		if _, dup := table[f.name]; dup {
			panic("bogo-shim: flag declared twice: " + f.name)
		}
		table[f.name] = f
	}
	return table
}

// boolFlag is a flag without a value.
func boolFlag(name string, set func(o *options)) flagSpec {
	return flagSpec{name: name, set: func(o *options, _ string) error { set(o); return nil }}
}

// stringFlag is a flag whose value is kept as text.
func stringFlag(name string, set func(o *options, v string)) flagSpec {
	return flagSpec{name: name, param: true, set: func(o *options, v string) error { set(o, v); return nil }}
}

// intFlag is a flag with a decimal integer value that fits in bits bits,
// signed or not.
func intFlag(name string, bits int, signed bool, set func(o *options, v int64)) flagSpec {
	return flagSpec{name: name, param: true, set: func(o *options, v string) error {
		n, err := parseDecimal(v, bits, signed)
		if err != nil {
			return err
		}
		set(o, n)
		return nil
	}}
}

// uint16ListFlag is a repeatable flag whose values accumulate in a list.
func uint16ListFlag(name string, list func(o *options) *[]uint16) flagSpec {
	return intFlag(name, 16, false, func(o *options, v int64) {
		l := list(o)
		*l = append(*l, uint16(v))
	})
}

// base64Flag is a flag whose value is standard base64.
func base64Flag(name string, set func(o *options, v []byte)) flagSpec {
	return flagSpec{name: name, param: true, set: func(o *options, v string) error {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return err
		}
		set(o, b)
		return nil
	}}
}

// parseDecimal parses a decimal integer the way BoringSSL's shim does:
// no leading space or plus sign, and a minus sign only when signed.
func parseDecimal(s string, bits int, signed bool) (int64, error) {
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || signed && s[0] == '-') {
		return 0, errors.New("not a decimal integer")
	}
	if signed {
		return strconv.ParseInt(s, 10, bits)
	}
	u, err := strconv.ParseUint(s, 10, bits)
	return int64(u), err
}

// ignored is a flag accepted without effect; reason says why that is
// faithful to what the runner tests.
func ignored(name string, param bool, reason string) flagSpec {
	_ = reason
	return flagSpec{name: name, param: param, set: func(*options, string) error { return nil }}
}

// unsupported is a flag whose feature gotls lacks: a connection using it
// makes the shim exit with the "unimplemented" status.
func unsupported(name string, param bool, reason string) flagSpec {
	return flagSpec{name: name, param: param, set: func(o *options, _ string) error {
		o.markUnsupported("%s: %s", name, reason)
		return nil
	}}
}
