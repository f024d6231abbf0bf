// Package field is the error a settings struct's Validate returns: it
// names the invalid fields by their Go names, and a command line that set
// them from flags can name its flags instead (Render).
//
// The message is a format whose field names are written in braces:
//
//	field.Errorf("{Beta} must be a finite number ≥ 0, got %g", beta)
//
// reads "Beta must be a finite number ≥ 0, got -1" as an error, and
// "--beta must be a finite number ≥ 0, got -1" rendered with a name
// function mapping Beta to --beta.
package field

import (
	"fmt"
	"regexp"
	"strings"
)

// Error is an invalid setting.
type Error struct {
	format string
	args   []any
}

// Errorf returns an *Error with the message format (field names in
// braces) and its arguments, as fmt.Errorf formats them (%w wraps).
func Errorf(format string, args ...any) error { return &Error{format: format, args: args} }

var token = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9.]*)\}`)

// Error returns the message naming the fields.
func (e *Error) Error() string { return e.Render(func(f string) string { return f }) }

// Render returns the message with each field named by name(field).
func (e *Error) Render(name func(field string) string) string {
	f := token.ReplaceAllStringFunc(e.format, func(t string) string {
		n := name(t[1 : len(t)-1])
		return strings.ReplaceAll(n, "%", "%%")
	})
	args := make([]any, len(e.args))
	for i, a := range e.args {
		args[i] = a
		if inner, ok := a.(*Error); ok { // a field error wrapped in this one
			args[i] = &rendered{text: inner.Render(name), err: inner}
		}
	}
	return fmt.Errorf(f, args...).Error()
}

// rendered is a wrapped field error as Render names its fields.
type rendered struct {
	text string
	err  error
}

func (r *rendered) Error() string { return r.text }
func (r *rendered) Unwrap() error { return r.err }

// Unwrap returns the errors the format wraps with %w.
func (e *Error) Unwrap() []error {
	switch u := fmt.Errorf(e.format, e.args...).(type) {
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}
