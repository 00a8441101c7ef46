"""Clustering methods of stage 03 on prepared features: fit, assign new rows, store as JSON.

- ``kmeans``: scikit-learn KMeans (``n_init`` restarts); a customer belongs to the nearest centroid.
- ``minibatch_kmeans``: MiniBatchKMeans (3 restarts, ``batch_size``); for very large n. Measure
  first: in scikit-learn 1.9 it draws each batch over all rows and is slower than KMeans at 1e6.
- ``gmm``: Gaussian mixture (``gmm_covariance`` full or diag, up to 3 restarts, 1 in bootstrap
  refits); a customer
  belongs to the component with the highest weighted density.
- ``ward``: Ward agglomerative clustering on a seeded sample of ``ward_sample`` customers (it
  is quadratic in n); every customer is then assigned to the nearest sample-cluster mean.
- ``kprototypes``: k-prototypes (kmodes package, Huang init) for mixed data: prepared numeric
  features plus categorical variables (integer codes in the last columns of ``x``); distance =
  squared Euclidean on the numeric part + gamma x the number of categories that differ from the
  segment's modes (gamma as kmodes estimates it: half the mean numeric standard deviation).
  Slow (pure Python): up to 3 restarts, 1 in bootstrap refits.

Assignment is computed by seglab from the stored numbers (no pickle, no private scikit-learn
API), row by row, so it is exact whatever the block of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seglab.config import Segmentation

CENTROID_METHODS = ("kmeans", "minibatch_kmeans", "ward")
BLOCK = 20_000


def nearest(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (squared Euclidean distance, ties: the first), in blocks."""
    out = np.empty(len(x), dtype=np.int64)
    for i in range(0, len(x), BLOCK):
        d = ((x[i : i + BLOCK, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        out[i : i + BLOCK] = d.argmin(axis=1)
    return out


def gmm_log_density(x: np.ndarray, weights, means, covariances, covariance_type: str) -> np.ndarray:
    """log(weight_j) + log N(x; mean_j, cov_j) for every row and component (n x k)."""
    from scipy.linalg import solve_triangular

    n, d = x.shape
    out = np.empty((n, len(weights)))
    for j, (w, mu) in enumerate(zip(weights, means, strict=True)):
        diff = x - np.asarray(mu)
        if covariance_type == "diag":
            var = np.asarray(covariances[j])
            maha = (diff**2 / var).sum(axis=1)
            logdet = np.log(var).sum()
        else:
            chol = np.linalg.cholesky(np.asarray(covariances[j]))
            z = solve_triangular(chol, diff.T, lower=True)
            maha = (z**2).sum(axis=0)
            logdet = 2 * np.log(np.diag(chol)).sum()
        out[:, j] = np.log(w) - 0.5 * (d * np.log(2 * np.pi) + logdet + maha)
    return out


@dataclass
class Fitted:
    """A fitted clustering: ``centers`` (k x d: centroids or component means) and, for a Gaussian
    mixture, ``extra`` = weights, covariances and covariance type.
    """

    method: str
    centers: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        """The number of segments."""
        return len(self.centers)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Label 0..k-1 of every row."""
        if self.method == "kprototypes":
            n_num, gamma = int(self.extra["n_num"]), float(self.extra["gamma"])
            modes = np.asarray(self.extra["modes"])
            out = np.empty(len(x), dtype=np.int64)
            for i in range(0, len(x), BLOCK):
                part = x[i : i + BLOCK]
                d = ((part[:, None, :n_num] - self.centers[None, :, :]) ** 2).sum(axis=2)
                d += gamma * (part[:, None, n_num:] != modes[None, :, :]).sum(axis=2)
                out[i : i + BLOCK] = d.argmin(axis=1)
            return out
        if self.method == "gmm":
            e = self.extra
            out = np.empty(len(x), dtype=np.int64)
            for i in range(0, len(x), BLOCK):
                dens = gmm_log_density(
                    x[i : i + BLOCK], e["weights"], self.centers, e["covariances"], e["covariance_type"]
                )
                out[i : i + BLOCK] = dens.argmax(axis=1)
            return out
        return nearest(x, self.centers)

    def reorder(self, order: np.ndarray) -> Fitted:
        """The same clustering with component ``order[i]`` as component i."""
        extra = dict(self.extra)
        for key in ("weights", "covariances", "modes"):
            if key in extra:
                extra[key] = [extra[key][j] for j in order]
        return Fitted(self.method, self.centers[order], extra)

    def to_json(self) -> dict:
        """The fitted method as plain JSON values."""
        extra = {
            k: np.asarray(v).tolist() if k in ("weights", "covariances", "modes") else v for k, v in self.extra.items()
        }
        return {"method": self.method, "centers": self.centers.tolist(), **extra}

    @classmethod
    def from_json(cls, d: dict) -> Fitted:
        """The fitted method from :meth:`to_json`."""
        extra = {k: d[k] for k in ("weights", "covariances", "covariance_type", "modes", "n_num", "gamma") if k in d}
        return cls(d["method"], np.asarray(d["centers"], dtype=float), extra)


def within_ss(x: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Within-segment sum of squares around each segment's mean (the inertia of any labelling)."""
    total = 0.0
    for j in range(k):
        m = labels == j
        if m.any():
            total += float(((x[m] - x[m].mean(axis=0)) ** 2).sum())
    return total


def refit(start: Fitted, x: np.ndarray, seed: int, params: Segmentation, n_num: int | None = None) -> Fitted:
    """``start`` (fitted on a sample) fitted again on all of ``x``, from ``start``'s solution: k-means
    and mini-batch k-means iterate from its centroids, a Gaussian mixture from its means and
    weights; Ward keeps its centroids (it clusters a sample by design); k-prototypes fits anew.
    """
    k = len(start.centers)
    if start.method == "kmeans":
        from sklearn.cluster import KMeans

        return Fitted(
            "kmeans", KMeans(n_clusters=k, init=start.centers, n_init=1, random_state=seed).fit(x).cluster_centers_
        )
    if start.method == "minibatch_kmeans":
        from sklearn.cluster import MiniBatchKMeans

        mb = MiniBatchKMeans(
            n_clusters=k, init=start.centers, n_init=1, batch_size=params.batch_size, random_state=seed
        )
        return Fitted("minibatch_kmeans", mb.fit(x).cluster_centers_)
    if start.method == "gmm":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(
            n_components=k,
            covariance_type=params.gmm_covariance,
            means_init=start.centers,
            weights_init=start.extra["weights"],
            n_init=1,
            random_state=seed,
            reg_covar=1e-6,
        ).fit(x)
        return Fitted(
            "gmm",
            gm.means_,
            {"weights": gm.weights_, "covariances": gm.covariances_, "covariance_type": params.gmm_covariance},
        )
    if start.method == "ward":
        return start
    return fit(Clustering(start.method, k, seed), x, params, n_num=n_num)


@dataclass(frozen=True)
class Clustering:
    """One clustering to fit (:func:`fit`): the ``method`` (``segmentation.method``), ``k``
    segments and the ``seed``; ``quick``: a bootstrap refit, with at most 3 restarts (1 for a
    Gaussian mixture or k-prototypes).
    """

    method: str
    k: int
    seed: int
    quick: bool = False


def fit(clustering: Clustering, x: np.ndarray, params: Segmentation, n_num: int | None = None) -> Fitted:
    """Fit the ``clustering`` on the prepared rows ``x`` (``params``: restarts, batch size,
    covariance, Ward's sample). For k-prototypes the first ``n_num`` columns are numeric and the
    rest categorical codes.
    """
    method, k, seed, quick = clustering.method, clustering.k, clustering.seed, clustering.quick
    restarts = min(params.n_init, 3) if quick else params.n_init
    if method == "kprototypes":
        from kmodes.kprototypes import KPrototypes

        n_num = x.shape[1] if n_num is None else n_num
        mixed = np.empty(x.shape, dtype=object)
        mixed[:, :n_num] = x[:, :n_num]
        mixed[:, n_num:] = x[:, n_num:].astype(np.int64)
        kp = KPrototypes(
            n_clusters=k, init="Huang", n_init=1 if quick else min(restarts, 3), random_state=seed, n_jobs=1
        )
        kp.fit(mixed, categorical=list(range(n_num, x.shape[1])))
        cent = np.asarray(kp.cluster_centroids_)
        return Fitted(
            method,
            cent[:, :n_num].astype(float),
            {"modes": cent[:, n_num:].astype(float).astype(np.int64), "n_num": n_num, "gamma": float(kp.gamma)},
        )
    if method == "kmeans":
        from sklearn.cluster import KMeans  # (scikit-learn loads when first used)

        km = KMeans(n_clusters=k, n_init=restarts, random_state=seed).fit(x)
        return Fitted(method, km.cluster_centers_)
    if method == "minibatch_kmeans":
        from sklearn.cluster import MiniBatchKMeans

        mb = MiniBatchKMeans(
            n_clusters=k, n_init=min(restarts, 3), batch_size=params.batch_size, random_state=seed
        ).fit(x)
        return Fitted(method, mb.cluster_centers_)
    if method == "gmm":  # EM is costly: up to 3 starts, 1 for bootstrap refits
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(
            n_components=k,
            covariance_type=params.gmm_covariance,
            n_init=1 if quick else min(restarts, 3),
            random_state=seed,
            reg_covar=1e-6,
        ).fit(x)
        return Fitted(
            method,
            gm.means_,
            {"weights": gm.weights_, "covariances": gm.covariances_, "covariance_type": params.gmm_covariance},
        )
    if method == "ward":
        from sklearn.cluster import AgglomerativeClustering

        rng = np.random.default_rng(seed)
        idx = (
            np.sort(rng.choice(len(x), size=params.ward_sample, replace=False))
            if len(x) > params.ward_sample
            else np.arange(len(x))
        )
        sample = x[idx]
        labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(sample)
        centers = np.vstack([sample[labels == j].mean(axis=0) for j in range(k)])
        return Fitted(method, centers)
    raise ValueError(f"unknown clustering method {method!r}")
