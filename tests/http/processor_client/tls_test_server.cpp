#include "tests/http/processor_client/tls_test_server.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <stdexcept>
#include <thread>

namespace escrowd::processor_client::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// A fresh P-256 key and a self-signed certificate for it, valid for an hour.
void install_self_signed(ssl::context& context) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  if (key == nullptr || certificate == nullptr) throw std::runtime_error("openssl");
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_sign(certificate, key, EVP_sha256());
  const bool installed = SSL_CTX_use_certificate(context.native_handle(), certificate) == 1 &&
                         SSL_CTX_use_PrivateKey(context.native_handle(), key) == 1;
  X509_free(certificate);
  EVP_PKEY_free(key);
  if (!installed) throw std::runtime_error("cannot install the test certificate");
}

}  // namespace

struct tls_test_server::impl {
  asio::io_context io;
  ssl::context context{ssl::context::tls_server};
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::string body;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> requests{0};
  std::thread thread;

  void accept();
};

namespace {

class tls_session : public std::enable_shared_from_this<tls_session> {
 public:
  tls_session(tcp::socket socket, tls_test_server::impl& server)
      : stream_(std::move(socket), server.context), server_(server) {}

  void start() {
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code failure) {
                              if (!failure) self->read();
                            });
  }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code failure, std::size_t) {
                       if (!failure) self->answer();
                     });
  }

  void answer() {
    ++server_.requests;
    response_ = {};
    response_.result(http::status::ok);
    response_.version(11);
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(request_.keep_alive());
    response_.body() = server_.body;
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code failure, std::size_t) {
                        if (!failure && self->response_.keep_alive()) self->read();
                      });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  tls_test_server::impl& server_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

void tls_test_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code failure, tcp::socket socket) {
    if (failure) return;
    ++connections;
    std::make_shared<tls_session>(std::move(socket), *this)->start();
    accept();
  });
}

tls_test_server::tls_test_server(std::string answer_body) : impl_(std::make_unique<impl>()) {
  install_self_signed(impl_->context);
  impl_->body = std::move(answer_body);
  impl_->accept();
  impl_->thread = std::thread([state = impl_.get()] { state->io.run(); });
}

tls_test_server::~tls_test_server() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t tls_test_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}
std::size_t tls_test_server::connections() const {
  return impl_->connections;
}
std::size_t tls_test_server::requests() const {
  return impl_->requests;
}

}  // namespace escrowd::processor_client::testing
