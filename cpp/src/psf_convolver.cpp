#include "polychrome/psf_convolver.hpp"

#include "polychrome/threads.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "polychrome/thread_pool.hpp"
#include "psf_convolution_passes.hpp"

namespace polychrome {

namespace {

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

}  // namespace

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

std::shared_ptr<const ConvolutionPasses> PsfConvolver::transform(std::size_t ny,
                                                                std::size_t nx) const {
  const std::pair<std::size_t, std::size_t> key{ny, nx};
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : transforms_)
      if (entry.first == key) return entry.second;
  }
  // Built outside the lock so that other sizes stay usable meanwhile; if two
  // threads build the same one, the first inserted wins.
  auto built = std::make_shared<const ConvolutionPasses>(psf_, ny, nx);
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : transforms_)
    if (entry.first == key) return entry.second;
  auto bytes = [](const ConvolutionPasses& t) { return t.spectrum_bytes(); };
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
                            double* const* out, int threads, Extent extent,
                            std::size_t double_arrays) const {
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
  const std::shared_ptr<const ConvolutionPasses> t = transform(ny, nx);
  // With the PSF centred at index 0, window pixel (i, j) sits where it sat in the padded array,
  // (i + pad_y, j + pad_x), less the lit box's corner, modulo the transform's size (a box that
  // starts inside the window puts the window's first rows at the transform's end).
  ConvolutionBox box;
  box.in_rows = rows_lit.length;
  box.in_cols = cols_lit.length;
  box.in_stride = lx;
  box.out_rows = static_cast<std::size_t>(wy);
  box.out_cols = static_cast<std::size_t>(wx);
  box.out_stride = static_cast<std::size_t>(wx);
  box.out_row0 = (py + ny - rows_lit.first % ny) % ny;
  box.out_col0 = (px + nx - cols_lit.first % nx) % nx;
  const double* const lit = padded + rows_lit.first * lx + cols_lit.first;
  const std::size_t spectra = t->spectra_size(box), scratch = t->scratch_size();
  // Threads pay only for enough FFT points in all (team_size); one array
  // below that runs serially, with no fork-join at all.
  const int nthreads = team_size(threads, count * ny * nx, kMinFftPointsPerThread);
  // Array a in single precision where asked and where its values suit float, else in double.
  const auto run = [&](std::size_t a, double* spectra_buffer, double* scratch_buffer, int run_threads) {
    const double* in = lit + a * ly * lx;
    if (a >= double_arrays && ConvolutionPasses::suits_single_precision(box, in)) {
      t->run(box, in, out[a], reinterpret_cast<float*>(spectra_buffer),
             reinterpret_cast<float*>(scratch_buffer), run_threads);
    } else {
      t->run(box, in, out[a], spectra_buffer, scratch_buffer, run_threads);
    }
  };

  if (count > 1 && nthreads > 1) {
    // A batch (image + Jacobian columns): whole arrays per thread, each
    // single-threaded, scale far better than threads inside one small FFT.
    const int batch_threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(nthreads), count));
    // Each thread's buffers, leased when it takes its first array.
    std::vector<std::optional<ScratchPool::Lease>> leases(static_cast<std::size_t>(batch_threads));
    parallel_for(count, batch_threads, [&](std::size_t a, int slot) {
      auto& lease = leases[static_cast<std::size_t>(slot)];
      if (!lease) lease.emplace(pool_.acquire(spectra + scratch));
      run(a, lease->data(), lease->data() + spectra, 1);
    });
    return;
  }
  // One array (or one thread): threads inside the passes, the arrays one after another through
  // the same buffers (one array's spectra stay in cache from the first pass to the last).
  // Uninitialised buffers from the pool: every element is written before it is read.
  const std::size_t kernel_scratch = scratch * static_cast<std::size_t>(nthreads);
  ScratchPool::Lease lease = pool_.acquire(spectra + kernel_scratch);
  for (std::size_t a = 0; a < count; ++a) run(a, lease.data(), lease.data() + spectra, nthreads);
}

void PsfConvolver::convolve(const double* padded, std::size_t count, int wy, int wx, double* out,
                            int threads, Extent extent, std::size_t double_arrays) const {
  std::vector<double*> outputs(count);
  const std::size_t size = static_cast<std::size_t>(std::max(wy, 0)) * static_cast<std::size_t>(std::max(wx, 0));
  for (std::size_t a = 0; a < count; ++a) outputs[a] = out + a * size;
  convolve(padded, count, wy, wx, outputs.data(), threads, extent, double_arrays);
}

}  // namespace polychrome
