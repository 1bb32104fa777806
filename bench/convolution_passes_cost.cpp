// Cost of the PSF convolution's passes (ConvolutionPasses::run, one plane, one thread) for square
// windows and every FFT size from the smallest that fits to 1.25 times it: is the smallest
// 2^a 3^b 5^c size also the cheapest? (Measured 2026-12-04: yes, or within 1-2%; see
// bench/README.md.) The PSF is a 37 x 37 Moffat-like image, the padded window (w + 36) all lit,
// the output the central w x w window, as render_convolved's for a survey cutout.
//
// Usage: convolution_passes_cost WINDOW...            wall time, best of 7 x 50 runs (us)
//        CG=1 valgrind --tool=callgrind ./convolution_passes_cost WINDOW...
//            one run per case, each dumped as its own callgrind part named w<W>_n<N> (the
//            "summary:" line of each part is the case's instruction count)
// Built with POLYCHROME_BUILD_BENCH (the internal header is read from cpp/src).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define POLYCHROME_HAVE_CALLGRIND 1
#endif

#include "../cpp/src/psf_convolution_passes.hpp"
#include "polychrome/fft.hpp"
#include "polychrome/psf_image.hpp"

namespace {

using polychrome::ConvolutionBox;
using polychrome::ConvolutionPasses;

constexpr int kPsfSize = 37, kPad = kPsfSize / 2;

polychrome::PsfImage moffat_psf() {
  std::vector<double> values(kPsfSize * kPsfSize);
  for (int i = 0; i < kPsfSize; ++i)
    for (int j = 0; j < kPsfSize; ++j) {
      const double r2 = (i - kPad) * (i - kPad) + (j - kPad) * (j - kPad);
      values[i * kPsfSize + j] = std::pow(1.0 + r2 / 9.0, -3.0);
    }
  return polychrome::PsfImage(values.data(), kPsfSize, kPsfSize);
}

}  // namespace

int main(int argc, char** argv) {
  const bool callgrind = std::getenv("CG") != nullptr;
#ifndef POLYCHROME_HAVE_CALLGRIND
  if (callgrind) {
    std::fprintf(stderr, "built without valgrind/callgrind.h\n");
    return 1;
  }
#endif
  const polychrome::PsfImage psf = moffat_psf();
  for (int a = 1; a < argc; ++a) {
    const std::size_t w = static_cast<std::size_t>(std::atoi(argv[a]));
    const std::size_t padded = w + 2 * kPad;
    std::vector<double> in(padded * padded), out(w * w);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = 1.0 + std::sin(0.1 * static_cast<double>(i));
    for (std::size_t n = padded; n <= padded * 5 / 4 + 1; ++n) {
      if (!polychrome::is_fast_fft_size(n)) continue;
      const ConvolutionPasses passes(psf, n, n);
      const ConvolutionBox box{padded, padded, padded, w, w, w, kPad, kPad};
      std::vector<double> spectra(passes.spectra_size(box) + 8), scratch(passes.scratch_size() + 8);
      auto run = [&] { passes.run(box, in.data(), out.data(), spectra.data(), scratch.data(), 1); };
      run();  // first touch of the buffers
      if (callgrind) {
#ifdef POLYCHROME_HAVE_CALLGRIND
        CALLGRIND_ZERO_STATS;
        run();
        const std::string name = "w" + std::to_string(w) + "_n" + std::to_string(n);
        CALLGRIND_DUMP_STATS_AT(name.c_str());
#endif
        continue;
      }
      double best = 1e300;
      for (int rep = 0; rep < 7; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < 50; ++k) run();
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count() / 50);
      }
      std::printf("window %zu  padded %zu  fft %zu x %zu  %.2f us  centre %.17g\n", w, padded, n, n,
                  best, out[w * w / 2]);
    }
  }
  return 0;
}
