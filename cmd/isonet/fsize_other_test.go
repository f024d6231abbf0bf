//go:build !linux

package main

// setTestFSize: the file size limit test runs on Linux only.
func setTestFSize() {}
