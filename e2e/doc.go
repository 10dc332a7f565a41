// Package e2e holds the end-to-end tests of packuilon: the real binary, driven as a site would,
// on real RabbitMQ, Keystone, Glance and Packer (openstack builder, communicator none), with the
// Nova API simulator of internal/testenv as the compute service (Nova cannot run here).
//
// A profile change on the HTTP profile server → `packuilon watch --once` → RabbitMQ →
// `packuilon builder` → packer → candidate in Glance → smoke test (built-in boot test) →
// promotion → `packuilon status`. The package has no non-test code.
package e2e
