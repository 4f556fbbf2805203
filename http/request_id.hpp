// Request ids: "req_" plus 20 base-62 characters (about 119 random bits), so ids are unique
// without coordination between I/O threads and cannot be guessed from one another.
// Thread affinity: any thread; each thread draws from its own generator, seeded once from
// std::random_device.
#pragma once

#include <string>

namespace escrowd::http {

std::string make_request_id();

}  // namespace escrowd::http
