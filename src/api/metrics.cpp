// PUT /metrics {metrics_path}: where the JSON-lines metrics go. GET /metrics (Zapotec's
// extension): every counter in Prometheus text format.
#include <array>

#include "api/handler_util.hpp"

namespace zapotec::api {

namespace {

Result<MetricsConfig> parse_metrics(const config::Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 1> kFields{"metrics_path"};
    auto object = TRY(config::JsonObject::open(value, path, kFields));
    return MetricsConfig{TRY(object.required("metrics_path", config::as_string))};
}

}  // namespace

void add_metrics_routes(Router& router) {
    router.add("PUT", "/metrics",
               [](const PathParams&, const std::string& body) -> Result<VmmCall> {
                   MetricsConfig metrics = TRY(parse_body(body, parse_metrics));
                   return no_content([metrics = std::move(metrics)](VmControl& control) {
                       return control.put_metrics(metrics);
                   });
               });
    router.add("GET", "/metrics", [](const PathParams&, const std::string&) -> Result<VmmCall> {
        return [](VmControl& control) -> Result<ApiResponse> {
            return ApiResponse::text(control.prometheus_metrics());
        };
    });
}

}  // namespace zapotec::api
