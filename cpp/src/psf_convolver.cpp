#include "polychrome/psf_convolver.hpp"

#include "polychrome/threads.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/cpu_kernels.hpp"
#include "polychrome/thread_pool.hpp"

namespace polychrome {

namespace {

// Arrays transformed together (see convolve): one array's padded copy and
// spectrum (1.6 MB at 320 x 320) already fill a typical L2 cache; measured,
// groups of 1 were as fast as groups of 2 or faster from 64 to 1024 pixels,
// and far faster than the whole batch at once.
constexpr std::size_t kGroupArrays = 1;

// One axis of a circular convolution that equals the linear one on the window: input nonzero on
// [begin, end) of the padded axis, window [pad, pad + w), kernel half-size pad. Only the inputs
// within pad of the window reach it: [first, first + length). Output i and input j interact through
// the kernel entry d = i - j, and d ranges over [lowest, highest]; a circular size n keeps every
// other image of the kernel (d + m n, m != 0) outside its support [-pad, pad] when
// n > max(highest, -lowest) + pad. With the whole padded axis lit this is n >= w + 2 pad, the
// usual size; a model whose light fills less of the axis gets a smaller transform.
struct CircularAxis {
  std::size_t first = 0, length = 0, size = 0;  // size 0: nothing reaches the window
};

CircularAxis circular_axis(int begin, int end, int w, int pad) {
  const long first = std::max<long>(begin, 0);
  const long last = std::min<long>(end, static_cast<long>(w) + 2L * pad);  // one past
  CircularAxis axis;
  if (last <= first || w == 0) return axis;
  const long highest = pad + w - 1 - first, lowest = pad - (last - 1);
  axis.first = static_cast<std::size_t>(first);
  axis.length = static_cast<std::size_t>(last - first);
  axis.size = next_fast_size(static_cast<std::size_t>(std::max(highest, -lowest) + pad + 1));
  return axis;
}

// Copy count values of a circular row (period n) starting at index start (may be >= n or wrap)
// to dst.
void copy_circular(const double* row, std::size_t n, std::size_t start, std::size_t count, double* dst) {
  start %= n;
  const std::size_t head = std::min(count, n - start);
  std::copy(row + start, row + start + head, dst);
  for (std::size_t k = head; k < count; k += n) std::copy(row, row + std::min(n, count - k), dst + k);
}

}  // namespace

PsfConvolver::Transform::Transform(const PsfImage& psf, std::size_t ny, std::size_t nx)
    : plan(ny, nx), psf_spectrum(ny * plan.spectrum_nx()) {
  // The PSF with its centre pixel moved to index (0, 0) and the rest wrapped
  // around: the product of spectra then convolves without shifting the image.
  std::vector<double> wrapped(ny * nx, 0.0);
  const int hy = psf.half_height(), hx = psf.half_width();
  for (int i = 0; i < psf.ny(); ++i) {
    const std::size_t r = static_cast<std::size_t>((i - hy + static_cast<int>(ny)) % static_cast<int>(ny));
    for (int j = 0; j < psf.nx(); ++j) {
      const std::size_t c = static_cast<std::size_t>((j - hx + static_cast<int>(nx)) % static_cast<int>(nx));
      wrapped[r * nx + c] += psf.at(i, j);  // a transform narrower than the PSF folds it
    }
  }
  plan.forward(wrapped.data(), psf_spectrum.data());
}

PsfConvolver::PsfConvolver(PsfImage psf, std::size_t capacity, std::size_t spectrum_budget)
    : psf_(std::move(psf)), capacity_(std::max<std::size_t>(capacity, 1)), spectrum_budget_(spectrum_budget) {}

std::size_t PsfConvolver::cached_sizes() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return transforms_.size();
}

std::pair<std::size_t, std::size_t> PsfConvolver::fft_shape(int wy, int wx) const {
  if (wy < 0 || wx < 0)
    throw std::invalid_argument("window shape must be non-negative, got (" + std::to_string(wy) +
                                ", " + std::to_string(wx) + ")");
  return {next_fast_size(static_cast<std::size_t>(wy) + 2 * static_cast<std::size_t>(pad_y())),
          next_fast_size(static_cast<std::size_t>(wx) + 2 * static_cast<std::size_t>(pad_x()))};
}

std::shared_ptr<const PsfConvolver::Transform> PsfConvolver::transform(std::size_t ny,
                                                                       std::size_t nx) const {
  const std::pair<std::size_t, std::size_t> key{ny, nx};
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : transforms_)
      if (entry.first == key) return entry.second;
  }
  // Built outside the lock so that other sizes stay usable meanwhile; if two
  // threads build the same one, the first inserted wins.
  auto built = std::make_shared<const Transform>(psf_, ny, nx);
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : transforms_)
    if (entry.first == key) return entry.second;
  auto bytes = [](const Transform& t) { return t.psf_spectrum.size() * sizeof(std::complex<double>); };
  transforms_.emplace_back(key, built);
  spectrum_bytes_ += bytes(*built);
  while (transforms_.size() > capacity_ &&
         (transforms_.size() > kMaxTransforms || spectrum_bytes_ > spectrum_budget_)) {
    spectrum_bytes_ -= bytes(*transforms_.front().second);
    transforms_.pop_front();
  }
  return built;
}

void PsfConvolver::convolve(const double* padded, std::size_t count, int wy, int wx,
                            double* const* out, int threads, Extent extent) const {
  fft_shape(wy, wx);  // checks the window's shape
  if (count == 0 || wy == 0 || wx == 0) return;
  const std::size_t py = static_cast<std::size_t>(pad_y()), px = static_cast<std::size_t>(pad_x());
  const std::size_t ly = static_cast<std::size_t>(wy) + 2 * py;  // padded array rows
  const std::size_t lx = static_cast<std::size_t>(wx) + 2 * px;  // and columns
  const CircularAxis rows_lit = circular_axis(extent.row_begin, extent.row_end, wy, pad_y());
  const CircularAxis cols_lit = circular_axis(extent.col_begin, extent.col_end, wx, pad_x());
  const std::size_t window = static_cast<std::size_t>(wy) * static_cast<std::size_t>(wx);
  if (rows_lit.size == 0 || cols_lit.size == 0) {  // no light reaches the window
    for (std::size_t a = 0; a < count; ++a) std::fill(out[a], out[a] + window, 0.0);
    return;
  }
  const std::size_t ny = rows_lit.size, nx = cols_lit.size;
  const std::shared_ptr<const Transform> t = transform(ny, nx);
  const std::size_t nc = t->plan.spectrum_nx();
  // Threads pay only for enough FFT points in all (team_size); one array
  // below that runs serially, with no fork-join at all.
  const int nthreads = team_size(threads, count * ny * nx, kMinFftPointsPerThread);

  const std::complex<double>* const h = t->psf_spectrum.data();
  // body(k) for rows k in [0, rows) on `inner` threads, in tasks of rows
  // worth ~8000 values (a row alone is too little work to hand out).
  auto for_rows = [&](std::size_t rows, int inner, const auto& body) {
    const std::size_t per_task = std::max<std::size_t>(1, 8192 / nx);
    parallel_for((rows + per_task - 1) / per_task, inner, [&](std::size_t task, int) {
      for (std::size_t k = task * per_task; k < std::min(rows, (task + 1) * per_task); ++k) body(k);
    });
  };
  // One group of g arrays starting at `first`, through buffers r (g ny nx
  // doubles) and s (g ny nc complex), with `inner` threads inside.
  auto run_group = [&](std::size_t first, std::size_t g, double* r, std::complex<double>* s,
                       int inner) {
    const std::size_t rows = g * ny;
    for_rows(rows, inner, [&](std::size_t k) {
      const std::size_t a = first + k / ny;
      const std::size_t i = k % ny;
      double* dst = r + k * nx;
      if (i < rows_lit.length) {  // the lit box, moved to the transform's origin
        const double* src = padded + (a * ly + rows_lit.first + i) * lx + cols_lit.first;
        std::copy(src, src + cols_lit.length, dst);
        std::fill(dst + cols_lit.length, dst + nx, 0.0);
      } else {
        std::fill(dst, dst + nx, 0.0);
      }
    });

    t->plan.forward(r, s, g, inner);

    const auto multiply_spectra = cpu_kernels().multiply_spectra;
    for_rows(rows, inner, [&](std::size_t k) {
      multiply_spectra(reinterpret_cast<double*>(s + k * nc),
                       reinterpret_cast<const double*>(h + (k % ny) * nc), nc);
    });

    t->plan.inverse(s, r, g, inner);

    // With the PSF centred at index 0, window pixel (i, j) sits where it sat in the padded array,
    // (i + pad_y, j + pad_x), less the lit box's corner, modulo the transform's size (a box that
    // starts inside the window puts the window's first rows at the transform's end).
    const std::size_t out_rows = g * static_cast<std::size_t>(wy);
    for_rows(out_rows, inner, [&](std::size_t k) {
      const std::size_t a = k / static_cast<std::size_t>(wy);
      const std::size_t i = k % static_cast<std::size_t>(wy);
      const std::size_t row = (i + py + ny - rows_lit.first) % ny;
      copy_circular(r + (a * ny + row) * nx, nx, px + nx - cols_lit.first, static_cast<std::size_t>(wx),
                    out[first + a] + i * static_cast<std::size_t>(wx));
    });
  };
  // std::complex<double> is layout-compatible with double[2] (the standard
  // guarantees it), so the doubles of a scratch buffer can hold spectra.
  auto as_spectra = [](ScratchPool::Lease& lease) {
    return reinterpret_cast<std::complex<double>*>(lease.data());
  };

  if (count > 1 && nthreads > 1) {
    // A batch (image + Jacobian columns): whole arrays per thread, each
    // single-threaded, scale far better than threads inside one small FFT.
    const int batch_threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(nthreads), count));
    // Each thread's buffers, leased when it takes its first array.
    std::vector<std::optional<ScratchPool::Lease>> real(static_cast<std::size_t>(batch_threads));
    std::vector<std::optional<ScratchPool::Lease>> spectra(real.size());
    parallel_for(count, batch_threads, [&](std::size_t a, int slot) {
      auto& r = real[static_cast<std::size_t>(slot)];
      auto& s = spectra[static_cast<std::size_t>(slot)];
      if (!r) r.emplace(pool_.acquire(ny * nx));
      if (!s) s.emplace(pool_.acquire(2 * ny * nc));
      run_group(a, 1, r->data(), as_spectra(*s), 1);
    });
    return;
  }
  // One array (or one thread): threads inside the transforms. The arrays go
  // through in groups small enough that one group's padded copy and
  // spectrum stay in cache from the first pass to the last: a whole batch
  // passed stage by stage would go to memory and back four times, which made
  // 8 arrays cost 20 single ones. Uninitialised buffers from the pool, reused
  // by every group: every element is written before it is read, and a
  // zeroing pass would cost as much as the copy itself.
  const std::size_t group = std::min<std::size_t>(count, kGroupArrays);
  ScratchPool::Lease real = pool_.acquire(group * ny * nx);
  ScratchPool::Lease spectra = pool_.acquire(2 * group * ny * nc);
  for (std::size_t first = 0; first < count; first += group)
    run_group(first, std::min(group, count - first), real.data(), as_spectra(spectra), nthreads);
}

void PsfConvolver::convolve(const double* padded, std::size_t count, int wy, int wx, double* out,
                            int threads, Extent extent) const {
  std::vector<double*> outputs(count);
  const std::size_t size = static_cast<std::size_t>(std::max(wy, 0)) * static_cast<std::size_t>(std::max(wx, 0));
  for (std::size_t a = 0; a < count; ++a) outputs[a] = out + a * size;
  convolve(padded, count, wy, wx, outputs.data(), threads, extent);
}

}  // namespace polychrome
