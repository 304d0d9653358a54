// `hearth serve` (alias `start`): the Ollama-compatible server on OLLAMA_HOST.
#include <fmt/core.h>

#include "commands.h"
#include "engine/registry/cleanup.h"
#include "engine/registry/puller.h"
#include "engine/registry/pusher.h"
#include "engine/scheduler/engine_binding.h"
#include "engine/store/store.h"
#include "server/access_log.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/http_server.h"
#include "server/server_config.h"

namespace hearth::cli {

int cmd_serve(Args args) {
  if (!args.empty()) throw UsageError{"serve takes no arguments\nUsage: hearth serve"};
  server::EnvLookup env = server::process_environment();
  server::ServerConfig config = server::server_config_from_env(env);
  // A server asked to require API keys must not start open: a bad key file stops it here.
  server::ApiKeyAuth auth = server::ApiKeyAuth::from_env(env, &config.warnings);
  server::AccessLogConfig access_log = server::AccessLogConfig::from_env(env, &config.warnings);
  server::ServerMetrics metrics(config.api.version);
  for (const auto& w : config.warnings) fmt::print(stderr, "warning: {}\n", w);

  store::ModelStore models(store::StoreConfig::from_environment());
  registry::StartupCleanup report = registry::startup_cleanup(models);
  for (const auto& w : report.store.warnings) fmt::print(stderr, "warning: {}\n", w);
  for (const auto& w : report.partials.warnings) fmt::print(stderr, "warning: {}\n", w);
  registry::RegistryConfig registry_config = registry::RegistryConfig::from_environment();
  registry::Puller puller(models, registry_config);
  registry::Pusher pusher(models, registry_config);

  sched::EngineLoaderConfig loader_config;
  loader_config.kv_cache_type = config.kv_cache_type;
  loader_config.memory_limit = config.memory_limit;
  auto loader = std::make_shared<sched::EngineModelLoader>(loader_config);
  sched::Scheduler scheduler(config.scheduler, loader);
  server::Api api(config.api, models, scheduler);
  api.set_registry(&puller, &pusher);
  api.set_metrics(&metrics);

  server::HttpServerOptions options;
  options.bind = config.host;
  options.io_threads = config.io_threads;
  options.extra_origins = config.origins;
  options.auth = &auth;
  options.metrics = &metrics;
  options.access_log = access_log;
  server::HttpServer http(options, api);
  http.listen();
  if (auto w = server::exposure_warning(config.host.host, http.port(), auth.enabled())) fmt::print(stderr, "warning: {}\n", *w);
  fmt::print(stderr, "hearth: listening on {} (models: {}, parallel {}, max loaded {}, queue {})\n", http.address(),
             models.root().string(), config.scheduler.num_parallel, config.scheduler.max_loaded_models,
             config.scheduler.max_queue);
  http.run([&] { api.shutdown(); });
  fmt::print(stderr, "hearth: stopped\n");
  return 0;
}

}  // namespace hearth::cli
