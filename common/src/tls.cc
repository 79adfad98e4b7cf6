#include "salesfollow/common/tls.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace salesfollow {
namespace {

// The whole file, which must hold PEM ("-----BEGIN ...").
std::string read_pem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  if (in) content << in.rdbuf();
  if (!in || content.str().find("-----BEGIN ") == std::string::npos) {
    // The path only: a key's bytes never go into a message.
    throw ConfigError({fmt::format("{} '{}' cannot be read or is not PEM", what, path)});
  }
  return content.str();
}

}  // namespace

void add_tls_server_options(Options& options) {
  options.add({"tls-cert-file", "",
               "PEM certificate (chain) of the gRPC server; with --tls-key-file, serve TLS only"});
  options.add({"tls-key-file", "", "PEM private key of --tls-cert-file"});
  options.add({"tls-client-ca-file", "",
               "PEM CA bundle: require client certificates signed by it (mutual TLS)"});
}

TlsServerFiles read_tls_server_options(Options& options) {
  TlsServerFiles files{options.text("tls-cert-file"), options.text("tls-key-file"),
                       options.text("tls-client-ca-file")};
  if (files.cert_file.empty() != files.key_file.empty()) {
    options.add_problem("--tls-cert-file and --tls-key-file go together");
  }
  if (!files.client_ca_file.empty() && files.cert_file.empty()) {
    options.add_problem("--tls-client-ca-file needs --tls-cert-file and --tls-key-file");
  }
  return files;
}

void add_tls_client_options(Options& options, const std::string& prefix) {
  options.add({prefix + "-tls-ca-file", "",
               fmt::format("PEM CA bundle that signed {}'s certificate; set it to call {} over TLS",
                           prefix, prefix)});
  options.add({prefix + "-tls-cert-file", "",
               fmt::format("PEM client certificate presented to {} (mutual TLS)", prefix)});
  options.add({prefix + "-tls-key-file", "", fmt::format("PEM key of --{}-tls-cert-file", prefix)});
  options.add(
      {prefix + "-tls-server-name", "",
       fmt::format("name expected in {}'s certificate when it differs from the address's host",
                   prefix)});
}

TlsClientFiles read_tls_client_options(Options& options, const std::string& prefix) {
  TlsClientFiles files{
      options.text(prefix + "-tls-ca-file"), options.text(prefix + "-tls-cert-file"),
      options.text(prefix + "-tls-key-file"), options.text(prefix + "-tls-server-name")};
  if (files.cert_file.empty() != files.key_file.empty()) {
    options.add_problem(
        fmt::format("--{0}-tls-cert-file and --{0}-tls-key-file go together", prefix));
  }
  if (!files.enabled() && (!files.cert_file.empty() || !files.server_name.empty())) {
    options.add_problem(fmt::format(
        "--{0}-tls-cert-file and --{0}-tls-server-name need --{0}-tls-ca-file", prefix));
  }
  return files;
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsServerFiles& files) {
  if (!files.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      files.client_ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                   : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_key_cert_pairs.push_back(
      {read_pem(files.key_file, "--tls-key-file"), read_pem(files.cert_file, "--tls-cert-file")});
  if (!files.client_ca_file.empty()) {
    ssl.pem_root_certs = read_pem(files.client_ca_file, "--tls-client-ca-file");
  }
  return grpc::SslServerCredentials(ssl);
}

std::shared_ptr<grpc::Channel> create_channel(const std::string& address,
                                              const TlsClientFiles& files) {
  if (!files.enabled()) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = read_pem(files.ca_file, "the client's TLS CA file");
  if (!files.cert_file.empty()) {
    ssl.pem_cert_chain = read_pem(files.cert_file, "the client's TLS certificate file");
    ssl.pem_private_key = read_pem(files.key_file, "the client's TLS key file");
  }
  grpc::ChannelArguments arguments;
  if (!files.server_name.empty()) arguments.SetSslTargetNameOverride(files.server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), arguments);
}

}  // namespace salesfollow
