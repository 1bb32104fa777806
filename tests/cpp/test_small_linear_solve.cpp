// C++ checks of the small dense solvers (cpp/src/small_linear_solve.cpp): LU with partial
// pivoting against systems with known solutions (a zero leading entry needs the row swap),
// its refusal of exact zero pivots, the minimum-norm least-squares solution of singular systems
// (worked out by hand), and the positive-definiteness test.
// Exit status 0 on success; prints the failures.
#include <cmath>
#include <vector>

#include "checks.hpp"
#include "polychrome/small_linear_solve.hpp"

namespace {

using test_checks::check;

bool close(const std::vector<double>& got, const std::vector<double>& expected, double tolerance) {
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!(std::abs(got[i] - expected[i]) <= tolerance * (1.0 + std::abs(expected[i])))) return false;
  }
  return true;
}

void lu_solves_with_pivoting() {
  // a zero leading entry: without the row swap the first pivot would be 0
  const std::vector<double> matrix{0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0};
  const std::vector<double> solution{1.0, -2.0, 0.5};
  std::vector<double> rhs(3, 0.0);
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) rhs[i] += matrix[i * 3 + j] * solution[j];
  }
  std::vector<double> x(3);
  check(polychrome::lu_solve(matrix.data(), rhs.data(), 3, x.data()), "lu_solve solves a regular system");
  check(close(x, solution, 1e-15), "lu_solve's solution");
  std::vector<double> one(1);
  const double five = 5.0, ten = 10.0;
  check(polychrome::lu_solve(&five, &ten, 1, one.data()) && one[0] == 2.0, "lu_solve of a 1 x 1 system");
}

void lu_refuses_exact_zero_pivots() {
  const std::vector<double> repeated{1.0, 2.0, 2.0, 4.0};  // the second row twice the first
  const std::vector<double> rhs{1.0, 2.0};
  std::vector<double> x(2);
  check(!polychrome::lu_solve(repeated.data(), rhs.data(), 2, x.data()), "lu_solve refuses a singular system");
  const std::vector<double> zero(4, 0.0);
  check(!polychrome::lu_solve(zero.data(), rhs.data(), 2, x.data()), "lu_solve refuses a zero matrix");
}

void least_squares_gives_the_minimum_norm_solution() {
  // [[1, 2], [2, 4]] x = [1, 2]: every x with x0 + 2 x1 = 1; the shortest is (1, 2) / 5
  const std::vector<double> repeated{1.0, 2.0, 2.0, 4.0};
  const std::vector<double> rhs{1.0, 2.0};
  std::vector<double> x(2);
  polychrome::solve_or_least_squares(repeated.data(), rhs.data(), 2, x.data());
  check(close(x, {0.2, 0.4}, 1e-15), "the minimum-norm solution of a consistent singular system");
  // an inconsistent one: diag(2, 0) x = (4, 3): the least-squares x0 = 2, the shortest x1 = 0
  const std::vector<double> diagonal{2.0, 0.0, 0.0, 0.0};
  const std::vector<double> inconsistent{4.0, 3.0};
  polychrome::least_squares_solve(diagonal.data(), inconsistent.data(), 2, x.data());
  check(close(x, {2.0, 0.0}, 1e-15), "least squares of an inconsistent system");
  // a regular system: the solution itself
  const std::vector<double> regular{4.0, 1.0, 1.0, 3.0};
  const std::vector<double> b{1.0, 2.0};
  polychrome::least_squares_solve(regular.data(), b.data(), 2, x.data());
  check(close(x, {1.0 / 11.0, 7.0 / 11.0}, 1e-14), "least squares of a regular system");
  const std::vector<double> not_finite{NAN, 0.0, 0.0, 1.0};
  polychrome::least_squares_solve(not_finite.data(), b.data(), 2, x.data());
  check(std::isnan(x[0]) && std::isnan(x[1]), "least squares of a non-finite matrix is NaN");
}

void positive_definite_says_whether_cholesky_succeeds() {
  const std::vector<double> definite{4.0, 2.0, 2.0, 3.0};
  const std::vector<double> indefinite{1.0, 2.0, 2.0, 1.0};  // eigenvalues 3 and -1
  const std::vector<double> semidefinite{1.0, 1.0, 1.0, 1.0};
  const std::vector<double> not_finite{NAN, 0.0, 0.0, 1.0};
  check(polychrome::positive_definite(definite.data(), 2), "a positive definite matrix");
  check(!polychrome::positive_definite(indefinite.data(), 2), "an indefinite matrix");
  check(!polychrome::positive_definite(semidefinite.data(), 2), "a singular semi-definite matrix");
  check(!polychrome::positive_definite(not_finite.data(), 2), "a NaN on the diagonal");
}

}  // namespace

int main() {
  lu_solves_with_pivoting();
  lu_refuses_exact_zero_pivots();
  least_squares_gives_the_minimum_norm_solution();
  positive_definite_says_whether_cholesky_succeeds();
  return test_checks::verdict("test_small_linear_solve");
}
