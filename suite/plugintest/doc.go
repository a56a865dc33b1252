// Package plugintest proves the README's plug-in instructions from outside
// the repository: a module of its own requires netconform, drops the
// README's snippet in and runs go test there. It is a package apart so that
// the README's own command, go test ./suite, does not build a second module.
package plugintest
