// driver: the target chosen by the URL's scheme.
#include "bench/loadgen/driver.hpp"

#include <boost/asio/post.hpp>

#include "bench/loadgen/http_driver.hpp"
#include "bench/loadgen/pg_driver.hpp"

namespace escrowd::loadgen {

void driver::execute_batch(const std::vector<operation>& ops, const std::string&,
                           batch_completion done) {
  op_result refused;
  refused.error = "this target has no batch endpoint";
  std::vector<op_result> each(ops.size(), refused);
  done(std::move(refused), std::move(each));
}

bool is_postgres_url(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::unique_ptr<driver> make_driver(boost::asio::io_context& io, const target_config& target) {
  if (is_postgres_url(target.url)) return make_pg_driver(io, target);
  return make_http_driver(io, target);
}

}  // namespace escrowd::loadgen
