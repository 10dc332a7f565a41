package testenv

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
)

// generateKeypair makes an ed25519 key pair the way Nova returns a generated one: the public key
// in OpenSSH authorized_keys form, the private key in PEM.
func generateKeypair(comment string) (public, private string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", err
	}
	// The OpenSSH wire form: string "ssh-ed25519", string key.
	var wire []byte
	for _, field := range [][]byte{[]byte("ssh-ed25519"), pub} {
		wire = binary.BigEndian.AppendUint32(wire, uint32(len(field)))
		wire = append(wire, field...)
	}
	public = "ssh-ed25519 " + base64.StdEncoding.EncodeToString(wire) + " " + comment
	private = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	return public, private, nil
}
