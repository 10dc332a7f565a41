// Package openrc reads openrc files ("export OS_X=value", as Horizon writes them and the old
// scripts sourced them) as data: nothing is executed or expanded. It is the one parser for
// every auth file packuilon reads: packer's environment and the Glance and Nova credentials.
//
//	vars, err := openrc.Parse(data, openrc.OSOnly)
//	url := vars.Get("OS_AUTH_URL")
package openrc
