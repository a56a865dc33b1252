// Package selfsigned makes the TLS configurations the TLS and QUIC adapters
// need: a certificate for 127.0.0.1 and localhost, generated once per
// process, and a client configuration that trusts only it.
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"time"
)

var (
	once   sync.Once
	cert   tls.Certificate
	pool   *x509.CertPool
	genErr error
)

func generate() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		genErr = err
		return
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "netconform"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		genErr = err
		return
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		genErr = err
		return
	}
	cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}
	pool = x509.NewCertPool()
	pool.AddCert(c)
}

// Server returns a server configuration with the certificate.
func Server(protos ...string) (*tls.Config, error) {
	once.Do(generate)
	if genErr != nil {
		return nil, genErr
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos, MinVersion: tls.VersionTLS12}, nil
}

// Client returns a client configuration that trusts only the certificate.
func Client(protos ...string) (*tls.Config, error) {
	once.Do(generate)
	if genErr != nil {
		return nil, genErr
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: protos, MinVersion: tls.VersionTLS12}, nil
}
