// TLS for the gRPC servers and for the calls between services.
//
// A server serves TLS when it is given a certificate and its key; given a
// client CA too, it also requires and verifies client certificates (mutual
// TLS between services). A client uses TLS when it is given the CA that signed
// the server's certificate, and presents its own certificate when it has one.
// Files are read once at start-up (PEM); a rotated certificate takes a
// restart, which a Kubernetes rollout does.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "salesfollow/common/options.h"

namespace salesfollow {

struct TlsServerFiles {
  std::string cert_file, key_file, client_ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct TlsClientFiles {
  std::string ca_file, cert_file, key_file;
  std::string server_name;  // expected name in the server's certificate, when not the host
  bool enabled() const { return !ca_file.empty(); }
};

// --tls-cert-file, --tls-key-file, --tls-client-ca-file (every server).
void add_tls_server_options(Options& options);
TlsServerFiles read_tls_server_options(Options& options);

// --<prefix>-tls-ca-file, -cert-file, -key-file, -server-name (a client of
// another service, e.g. prefix "customer-service").
void add_tls_client_options(Options& options, const std::string& prefix);
TlsClientFiles read_tls_client_options(Options& options, const std::string& prefix);

// Both throw ConfigError when a file cannot be read or is not PEM.
std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsServerFiles& files);
std::shared_ptr<grpc::Channel> create_channel(const std::string& address,
                                              const TlsClientFiles& files);

}  // namespace salesfollow
