// Minimal types for autocannon 9 (it ships none), as bench/api.bench.ts uses it.
declare module "autocannon" {
  namespace autocannon {
    interface Histogram { average: number; mean: number; p50: number; p90: number; p99: number; max: number; min: number }
    interface Result { requests: Histogram & { total: number }; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; duration: number }
    interface Options { url: string; connections?: number; duration?: number; headers?: Record<string, string>; method?: string; body?: string }
  }
  function autocannon(opts: autocannon.Options, cb: (err: Error | null, res: autocannon.Result) => void): unknown;
  export default autocannon;
}
