// PUT /entropy {rate_limiter}: adds the virtio-rng device, pre-boot only.
#include <array>

#include "api/handler_util.hpp"
#include "config/section_parsers.hpp"

namespace zapotec::api {

namespace {

Result<EntropyConfig> parse_entropy(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"rate_limiter"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    return EntropyConfig{true, TRY(object.optional("rate_limiter", config::parse_rate_limiter))};
}

}  // namespace

void add_entropy_routes(Router& router) {
    router.add("PUT", "/entropy",
               [](const PathParams&, const std::string& body) -> Result<VmmCall> {
                   EntropyConfig entropy = TRY(parse_body(body, parse_entropy));
                   return no_content([entropy = std::move(entropy)](VmControl& control) {
                       return control.put_entropy(entropy);
                   });
               });
}

}  // namespace zapotec::api
