// TLS between clients and services and between the services themselves
// (mutual TLS): a CA made by the test signs a server certificate and a client
// certificate; another CA signs an impostor. customer-service requires client
// certificates; followup-service calls it with its own.
#include "salesfollow/common/tls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "child_process.h"
#include "customer_fixture.h"
#include "followup_fixture.h"
#include "grpc_probe.h"
#include "mariadb_server.h"

namespace salesfollow::testing {
namespace {

using followup::Auth;
using followup::kRepA;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// What health_status() says when the call fails with UNAVAILABLE (a refused
// handshake).
const std::string kRefused = "error:" + std::to_string(grpc::StatusCode::UNAVAILABLE);

// Keys and certificates made with the openssl command line.
class TestCertificates {
 public:
  TestCertificates()
      : dir_(fs::temp_directory_path() / ("salesfollow-tls-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
    make_ca("ca", "salesfollow test CA");
    make_ca("impostor-ca", "somebody else's CA");
    make_leaf("server", "ca", "customer-service", "serverAuth");
    make_leaf("client", "ca", "followup-service", "clientAuth");
    make_leaf("impostor", "impostor-ca", "followup-service", "clientAuth");
  }
  ~TestCertificates() { fs::remove_all(dir_); }
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string pem(const std::string& name) const { return read_file(dir_ / name); }

 private:
  void openssl(const std::vector<std::string>& args) const {
    std::vector<std::string> command = {"/usr/bin/openssl"};
    command.insert(command.end(), args.begin(), args.end());
    const fs::path log = dir_ / "openssl.log";
    if (run_and_wait(command, log, std::chrono::seconds(30)) != 0) {
      throw std::runtime_error("openssl failed: " + read_file(log));
    }
  }
  void make_ca(const std::string& name, const std::string& common_name) const {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", path(name + ".key"), "-out", path(name + ".pem"), "-days", "2", "-subj",
             "/CN=" + common_name});
  }
  void make_leaf(const std::string& name, const std::string& ca, const std::string& common_name,
                 const std::string& usage) const {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", path(name + ".key"), "-out", path(name + ".csr"), "-subj",
             "/CN=" + common_name});
    std::ofstream(dir_ / (name + ".ext")) << "subjectAltName=DNS:localhost,DNS:" << common_name
                                          << ",IP:127.0.0.1\nextendedKeyUsage=" << usage << "\n";
    openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", path(ca + ".pem"), "-CAkey",
             path(ca + ".key"), "-CAcreateserial", "-out", path(name + ".pem"), "-days", "2",
             "-extfile", path(name + ".ext")});
  }
  fs::path dir_;
};

std::shared_ptr<grpc::Channel> tls_channel(const std::string& address, const std::string& ca,
                                           const std::string& cert = "",
                                           const std::string& key = "") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca;
  ssl.pem_cert_chain = cert;
  ssl.pem_private_key = key;
  return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = std::make_unique<TestCertificates>();
    db_ = std::make_unique<DbConfig>(migrated_database("tls"));
    const auto& c = *certificates_;
    customer_service_ = std::make_unique<ServiceProcess>(
        CUSTOMER_SERVICE_BIN, *db_,
        std::vector<std::string>{"--tls-cert-file=" + c.path("server.pem"),
                                 "--tls-key-file=" + c.path("server.key"),
                                 "--tls-client-ca-file=" + c.path("ca.pem")});
    const std::vector<std::string> followup_tls = {
        "--customer-service-address=" + customer_service_->grpc_address(),
        "--tls-cert-file=" + c.path("server.pem"),
        "--tls-key-file=" + c.path("server.key"),
        "--tls-client-ca-file=" + c.path("ca.pem"),
        "--customer-service-tls-ca-file=" + c.path("ca.pem"),
        "--customer-service-tls-server-name=customer-service"};
    std::vector<std::string> with_certificate = followup_tls;
    with_certificate.push_back("--customer-service-tls-cert-file=" + c.path("client.pem"));
    with_certificate.push_back("--customer-service-tls-key-file=" + c.path("client.key"));
    followup_service_ =
        std::make_unique<ServiceProcess>(FOLLOWUP_SERVICE_BIN, *db_, with_certificate);
    // The same, but without a client certificate of its own.
    anonymous_followup_service_ =
        std::make_unique<ServiceProcess>(FOLLOWUP_SERVICE_BIN, *db_, followup_tls);
  }
  static void TearDownTestSuite() {
    anonymous_followup_service_.reset();
    followup_service_.reset();
    customer_service_.reset();
    db_.reset();
    certificates_.reset();
  }

  static std::shared_ptr<grpc::Channel> trusted(const ServiceProcess& process) {
    const auto& c = *certificates_;
    return tls_channel(process.grpc_address(), c.pem("ca.pem"), c.pem("client.pem"),
                       c.pem("client.key"));
  }

  static v1::Customer create_customer(const std::string& name, const std::string& phone) {
    auto stub = v1::CustomerService::NewStub(trusted(*customer_service_));
    grpc::ClientContext context;
    followup::prepare_context(context, Auth(kRepA));
    v1::CreateCustomerRequest request;
    auto* c = request.mutable_customer();
    c->set_display_name(name);
    c->set_industry("internet");
    c->set_source("trade_show");
    c->mutable_contact()->set_name("王经理");
    c->mutable_contact()->set_phone(phone);
    c->set_first_contact_date("2024-03-01");
    c->add_need_tags("data_analysis_tool");
    v1::Customer created;
    const auto status = stub->CreateCustomer(&context, request, &created);
    if (!status.ok()) throw std::runtime_error("CreateCustomer: " + followup::describe(status));
    return created;
  }

  static grpc::Status log_with_stage_change(const ServiceProcess& followup,
                                            const std::string& customer,
                                            v1::LogFollowUpResponse& response) {
    auto stub = v1::FollowUpService::NewStub(trusted(followup));
    grpc::ClientContext context;
    followup::prepare_context(context, Auth(kRepA));
    auto request = followup::follow_up_request(
        customer, std::chrono::time_point_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now() - std::chrono::hours(1)));
    *request.mutable_stage_change() = followup::stage_change(v1::STAGE_INTENTION, "客户确认了需求");
    return stub->LogFollowUp(&context, request, &response);
  }

  static long long follow_ups_of(const std::string& customer_name) {
    soci::session sql(soci::mysql, shared_mariadb().root_config(db_->database).connection_string());
    long long count = 0;
    const std::string id = customer_name.substr(customer_name.rfind('/') + 1);
    sql << "SELECT COUNT(*) FROM follow_ups WHERE customer_id = " + id, soci::into(count);
    return count;
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
  static inline std::unique_ptr<DbConfig> db_;
  static inline std::unique_ptr<ServiceProcess> customer_service_;
  static inline std::unique_ptr<ServiceProcess> followup_service_;
  static inline std::unique_ptr<ServiceProcess> anonymous_followup_service_;
};

TEST_F(TlsTest, ServicesServeTlsAndTalkToEachOtherWithClientCertificates) {
  EXPECT_THAT(customer_service_->log(), HasSubstr("\"tls\":true"));
  EXPECT_EQ(health_status(trusted(*customer_service_)), "SERVING");
  EXPECT_EQ(health_status(trusted(*followup_service_)), "SERVING");

  const auto customer = create_customer("TLS 客户", "13900001111");
  v1::LogFollowUpResponse logged;
  const auto status = log_with_stage_change(*followup_service_, customer.name(), logged);
  ASSERT_TRUE(status.ok()) << followup::describe(status);
  EXPECT_EQ(logged.follow_up().stage_after(), v1::STAGE_INTENTION);
  EXPECT_FALSE(logged.follow_up().stage_event().empty());
  EXPECT_EQ(follow_ups_of(customer.name()), 1);
}

TEST_F(TlsTest, PlaintextClientsAreRefused) {
  EXPECT_EQ(health_status(channel_to(customer_service_->grpc_address())), kRefused);
  EXPECT_EQ(health_status(channel_to(followup_service_->grpc_address())), kRefused);
}

TEST_F(TlsTest, ClientsWithoutACertificateOrWithAnotherCasAreRefused) {
  const auto& c = *certificates_;
  const std::string address = customer_service_->grpc_address();
  EXPECT_EQ(health_status(tls_channel(address, c.pem("ca.pem"))), kRefused);
  EXPECT_EQ(health_status(tls_channel(address, c.pem("ca.pem"), c.pem("impostor.pem"),
                                      c.pem("impostor.key"))),
            kRefused);
  // And a client that does not trust the server's CA refuses the server.
  EXPECT_EQ(health_status(tls_channel(address, c.pem("impostor-ca.pem"), c.pem("client.pem"),
                                      c.pem("client.key"))),
            kRefused);
}

// followup-service without a client certificate cannot reach customer-service:
// the stage change is UNAVAILABLE and nothing is written.
TEST_F(TlsTest, AFollowUpServiceWithoutItsCertificateWritesNothing) {
  const auto customer = create_customer("TLS 客户 2", "13900002222");
  v1::LogFollowUpResponse logged;
  const auto status = log_with_stage_change(*anonymous_followup_service_, customer.name(), logged);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << followup::describe(status);
  EXPECT_EQ(follow_ups_of(customer.name()), 0);
}

TEST_F(TlsTest, BrokenTlsSettingsStopTheProcessWithAClearMessage) {
  const auto& c = *certificates_;
  // Exit status 2 (bad configuration) and what the process printed.
  const auto start_with = [&](const std::string& cert, const std::string& key) {
    std::vector<std::string> args = {"--tls-cert-file=" + c.path(cert)};
    if (!key.empty()) args.push_back("--tls-key-file=" + c.path(key));
    std::string output;
    EXPECT_EQ(run_service_to_exit(CUSTOMER_SERVICE_BIN, *db_, args, output), 2) << output;
    return output;
  };
  EXPECT_THAT(start_with("server.pem", ""),
              HasSubstr("--tls-cert-file and --tls-key-file go together"));
  EXPECT_THAT(start_with("server.pem", "missing.key"),
              HasSubstr("missing.key' cannot be read or is not PEM"));
  // A key where the certificate belongs: refused, and its bytes never printed.
  const std::string output = start_with("server.key", "server.key");
  EXPECT_THAT(output, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(output, Not(HasSubstr(c.pem("server.key").substr(40, 40))));
}

}  // namespace
}  // namespace salesfollow::testing
