// Package programtest runs the program cases (suite.RunProgram) on the
// example programs of impls/programs, in a test of its own so that
// go test ./suite stays fast, and runs the program the report command's
// -server and -client flags name (TestProgramFromEnv).
package programtest
