// goverify ROOTS.pem INTERMEDIATES.pem LEAF.pem DNSNAME: verify LEAF for a
// TLS server named DNSNAME with Go's crypto/x509, trusting only ROOTS;
// INTERMEDIATES may be an empty file. Prints "ok" and exits 0, or prints
// Go's reason and exits 1. Used by tests/integration/chain_peers.sh.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

func pool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(b)
	return p, nil
}

func leaf(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func run() error {
	if len(os.Args) != 5 {
		return fmt.Errorf("usage: goverify ROOTS.pem INTERMEDIATES.pem LEAF.pem DNSNAME")
	}
	roots, err := pool(os.Args[1])
	if err != nil {
		return err
	}
	mids, err := pool(os.Args[2])
	if err != nil {
		return err
	}
	c, err := leaf(os.Args[3])
	if err != nil {
		return err
	}
	_, err = c.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: mids,
		DNSName:       os.Args[4],
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
