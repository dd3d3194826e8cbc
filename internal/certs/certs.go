// Package certs makes and loads what dmvx's hosts authenticate each other
// with: a private certificate authority (CA) and one certificate per host,
// for mutual TLS 1.3 between a leader and its agents. `dmvx certs init`
// and `dmvx certs issue` call it, so that a multi-host set-up needs no
// openssl recipe.
//
// A directory holds ca.crt and ca.key, and NAME.crt and NAME.key for each
// host. Keys are ECDSA P-256, written 0600. Host certificates serve both
// ways (server and client authentication): an agent is a TLS server to its
// leader, and the same host may lead another run.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// File names in a certificate directory.
const (
	CACert = "ca.crt"
	CAKey  = "ca.key"
)

// Validity of what Init and Issue make.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	hostValidity = 2 * 365 * 24 * time.Hour
)

// validName is a host name or address as it may appear in a file name and
// a certificate: no path separators, no leading dot.
var validName = regexp.MustCompile(`^[A-Za-z0-9_:][A-Za-z0-9._:-]*$`)

// Init makes a new CA in dir (created if needed). It refuses to replace an
// existing CA, whose certificates would all stop working.
func Init(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := refuseExisting(dir, CACert, CAKey); err != nil {
		return fmt.Errorf("%w: remove it first to make a new CA (every certificate it issued will stop working)", err)
	}
	return create(dir, "ca", &x509.Certificate{
		Subject:               pkix.Name{CommonName: "dmvx CA", Organization: []string{"dmvx"}},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, caValidity, nil, nil)
}

// Issue makes a certificate and key for each name, signed by dir's CA. A
// name that parses as an IP address goes into the certificate as one; any
// other as a DNS name. An existing NAME.crt or NAME.key is not replaced.
func Issue(dir string, names ...string) error {
	if len(names) == 0 {
		return errors.New("no host name given")
	}
	caCert, caKey, err := loadCA(dir)
	if err != nil {
		return err
	}
	for _, name := range names {
		if !validName.MatchString(name) || name == "ca" {
			return fmt.Errorf("%q is not a usable host name (letters, digits, '.', '-', '_', ':'; not \"ca\")", name)
		}
		if err := refuseExisting(dir, name+".crt", name+".key"); err != nil {
			return err
		}
	}
	for _, name := range names {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: name, Organization: []string{"dmvx"}},
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		}
		if ip := net.ParseIP(name); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else {
			tmpl.DNSNames = []string{name}
		}
		if err := create(dir, name, tmpl, hostValidity, caCert, caKey); err != nil {
			return err
		}
	}
	return nil
}

// refuseExisting fails when one of dir's files exists: nothing is ever
// replaced.
func refuseExisting(dir string, files ...string) error {
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already exists", filepath.Join(dir, f))
		}
	}
	return nil
}

// create makes a key and a certificate from tmpl, valid from an hour ago
// for validity, signed by parent's key (self-signed when parent is nil),
// and writes them as dir/NAME.crt and dir/NAME.key.
func create(dir, name string, tmpl *x509.Certificate, validity time.Duration, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)); err != nil {
		return err
	}
	now := time.Now()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(validity)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return err
	}
	return writePair(dir, name, der, key)
}

// Files names a host's certificate, its key and the CA it trusts.
type Files struct {
	Cert, Key, CA string
}

// ServerConfig is the TLS configuration of an agent: TLS 1.3 only, and a
// client must present a certificate that chains to the CA.
func ServerConfig(f Files) (*tls.Config, error) {
	cert, pool, err := load(f)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}, nil
}

// ClientConfig is the TLS configuration of a leader connecting to the agent
// named server (the name its certificate holds): TLS 1.3 only, the agent's
// certificate must chain to the CA, and the leader presents its own.
func ClientConfig(f Files, server string) (*tls.Config, error) {
	cert, pool, err := load(f)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ServerName:   server,
	}, nil
}

func load(f Files) (tls.Certificate, *x509.CertPool, error) {
	if f.Cert == "" || f.Key == "" || f.CA == "" {
		return tls.Certificate{}, nil, errors.New("mutual TLS needs --cert, --key and --ca")
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("loading %s and %s: %w", f.Cert, f.Key, err)
	}
	pem, err := os.ReadFile(f.CA)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return tls.Certificate{}, nil, fmt.Errorf("%s holds no PEM certificate", f.CA)
	}
	return cert, pool, nil
}

func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CACert))
	if err != nil {
		return nil, nil, fmt.Errorf("no CA in %s (run dmvx certs init first): %w", dir, err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKey))
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || cb.Type != "CERTIFICATE" || kb == nil || kb.Type != "EC PRIVATE KEY" {
		return nil, nil, fmt.Errorf("%s: %s or %s is not what dmvx certs init writes", dir, CACert, CAKey)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !cert.IsCA {
		return nil, nil, fmt.Errorf("%s is not a CA certificate", filepath.Join(dir, CACert))
	}
	return cert, key, nil
}

// writePair writes NAME.crt (0644) and NAME.key (0600); neither may exist.
func writePair(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeNew(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
