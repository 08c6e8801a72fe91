// Package revocation fetches what gotls needs to check and to prove that
// certificates are not revoked; the checking itself is pure and lives in
// the handshake.
//
// A client uses a Checker: it queries OCSP responders over HTTP (GET for
// short requests, POST otherwise, as RFC 6960, Appendix A and RFC 5019
// describe) and downloads CRLs, keeping each CRL until its nextUpdate.
// Bodies are size-bounded and every request has a timeout.
//
// A server uses a Stapler: it keeps a fresh OCSP response per certificate,
// read from a file or fetched from the responder the certificate names,
// refreshed halfway through its validity with exponential backoff on
// failure, and never served once expired. gotls.Config.OCSPStapler takes
// it.
//
// Package revocationtest runs a CA with a real OCSP responder and CRL
// server on 127.0.0.1 for tests.
package revocation
