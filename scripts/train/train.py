"""Train pywarden's stacking ensemble and write it as one ONNX graph.

Run through `npm run train` (scripts/train.sh), which extracts the features first. Debian's
python3-sklearn / python3-onnx / python3-numpy only: skl2onnx is not packaged, so every learner is
written into the graph by hand (onnx.helper) and checked against the numpy forward pass here and
against onnxruntime-node by scripts/train/verify.mjs.

Protocol (Samaana et al. 2024, hardened): base learners random forest, decision tree, gradient-
boosted trees, RBF SVM, MLP, Gaussian naive Bayes; a logistic-regression meta-learner over their
clipped log-odds. Evaluation is nested, grouped by family (a family never spans train and test):
outer 5 folds give out-of-fold scores for every file; inside each outer training part, inner 3
folds give the out-of-fold base scores the meta-learner is trained on. Thresholds are picked on
the outer out-of-fold stacked scores. Fixed seeds throughout.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.class_weight import compute_sample_weight

SEED = 20240601
CLIP_Z = 8.0  # standardized features are clipped: unseen extremes must not swing SVM/MLP/NB
CLIP_P = 1e-4  # probabilities are clipped before log-odds (RF/DT leaves are often exactly 0/1)
CLIP_L = math.log((1 - CLIP_P) / CLIP_P)
LEARNERS = ['rf', 'dt', 'gb', 'svm', 'mlp', 'nb']
LEARNER_NAMES = {
    'rf': 'random forest', 'dt': 'decision tree', 'gb': 'gradient-boosted trees',
    'svm': 'SVM (RBF)', 'mlp': 'MLP', 'nb': 'naive Bayes', 'stack': 'stacked (LR meta-learner)',
}


def log(*a):
    print('train:', *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data

def load(path):
    rows = []
    with open(path) as f:
        header = json.loads(f.readline())
        for line in f:
            r = json.loads(line)
            if 'x' in r:
                rows.append(r)
    X = np.array([r['x'] for r in rows], dtype=np.float32)
    y = np.array([1 if r['label'] == 'malicious' else 0 for r in rows], dtype=np.int64)
    groups = np.array([r['family'] for r in rows])
    return header['features'], rows, X, y, groups


# ---------------------------------------------------------------- the ensemble

class Scaler:
    def fit(self, X):
        self.mean = X.astype(np.float64).mean(axis=0)
        sd = X.astype(np.float64).std(axis=0)
        self.scale = np.where(sd > 1e-9, sd, 1.0)
        return self

    def __call__(self, X):
        return np.clip((X.astype(np.float64) - self.mean) / self.scale, -CLIP_Z, CLIP_Z)


def logit(p):
    with np.errstate(divide='ignore'):
        return np.log(p) - np.log1p(-p)  # +-inf at 0/1; clipped to +-CLIP_L with the other columns


class Ensemble:
    """Base learners plus the meta-learner; `base_z` is what the ONNX graph computes too."""

    def fit_bases(self, X, y):
        sw = compute_sample_weight('balanced', y)
        self.scaler = Scaler().fit(X)
        Xs = self.scaler(X)
        self.rf = RandomForestClassifier(n_estimators=150, min_samples_leaf=1, max_features='sqrt',
                                         class_weight='balanced', random_state=SEED, n_jobs=2).fit(X, y)
        self.dt = DecisionTreeClassifier(max_depth=12, min_samples_leaf=2, class_weight='balanced',
                                         random_state=SEED).fit(X, y)
        self.gb = GradientBoostingClassifier(n_estimators=200, max_depth=3, learning_rate=0.1, subsample=0.8,
                                             random_state=SEED).fit(X, y, sample_weight=sw)
        self.svm = SVC(kernel='rbf', C=3.0, gamma='scale', class_weight='balanced', random_state=SEED).fit(Xs, y)
        # MLPClassifier has no class weights: oversample the minority class to balance.
        rng = np.random.RandomState(SEED)
        minority = 1 if (y == 1).sum() < (y == 0).sum() else 0
        idx_min = np.where(y == minority)[0]
        extra = rng.choice(idx_min, size=abs(int((y == 0).sum() - (y == 1).sum())), replace=True)
        idx = np.concatenate([np.arange(len(y)), extra])
        self.mlp = MLPClassifier(hidden_layer_sizes=(64, 32), alpha=1e-3, max_iter=600, early_stopping=False,
                                 random_state=SEED).fit(Xs[idx], y[idx])
        self.nb = GaussianNB(priors=[0.5, 0.5]).fit(Xs, y)
        return self

    def base_z(self, X):
        Xs = self.scaler(X)
        X32 = X.astype(np.float32)
        z = np.column_stack([
            logit(self.rf.predict_proba(X32)[:, 1]),
            logit(self.dt.predict_proba(X32)[:, 1]),
            self.gb.decision_function(X32),
            self.svm.decision_function(Xs),
            mlp_raw(self.mlp, Xs),
            nb_raw(self.nb, Xs),
        ])
        return np.clip(z, -CLIP_L, CLIP_L)

    def fit_meta(self, Z, y):
        self.meta = LogisticRegression(C=1.0, class_weight='balanced', max_iter=1000).fit(Z, y)
        return self

    def predict(self, X):
        return self.meta.predict_proba(self.base_z(X))[:, 1]


def mlp_raw(mlp, Xs):
    h = Xs
    for i, (W, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        h = h @ W + b
        if i < len(mlp.coefs_) - 1:
            h = np.maximum(h, 0)
    return h[:, 0]


def nb_terms(nb):
    """Log-odds of Gaussian naive Bayes: c + sum_j [-(x-t1)^2/(2 v1) + (x-t0)^2/(2 v0)]."""
    t0, t1 = nb.theta_[0], nb.theta_[1]
    v0, v1 = nb.var_[0], nb.var_[1]
    c = -0.5 * np.sum(np.log(v1 / v0)) + math.log(nb.class_prior_[1] / nb.class_prior_[0])
    return t0, t1, 0.5 / v0, -0.5 / v1, c


def nb_raw(nb, Xs):
    t0, t1, w0, w1, c = nb_terms(nb)
    return ((Xs - t1) ** 2 * w1 + (Xs - t0) ** 2 * w0).sum(axis=1) + c


def fit_stack(X, y, groups, inner_folds=3):
    """Meta-learner trained on inner out-of-fold base scores; bases refit on all of X."""
    Z = np.zeros((len(y), len(LEARNERS)))
    cv = StratifiedGroupKFold(n_splits=inner_folds, shuffle=True, random_state=SEED)
    for tr, te in cv.split(X, y, groups):
        Z[te] = Ensemble().fit_bases(X[tr], y[tr]).base_z(X[te])
    ens = Ensemble().fit_bases(X, y)
    ens.fit_meta(Z, y)
    return ens


# ---------------------------------------------------------------- ONNX

def float32_floor(t):
    """Largest float32 <= t. sklearn compares float32 features with float64 thresholds; for a
    float32 x, x <= t exactly when x <= float32_floor(t), so the ONNX tree (float32) splits alike."""
    t32 = np.float32(t)
    if float(t32) > t:
        t32 = np.nextafter(t32, np.float32(-np.inf))
    return float(t32)


def tree_nodes(tree, tree_id, leaf_value, prefix):
    t = tree.tree_
    attrs = prefix
    for node in range(t.node_count):
        left, right = t.children_left[node], t.children_right[node]
        attrs['nodes_treeids'].append(tree_id)
        attrs['nodes_nodeids'].append(node)
        attrs['nodes_hitrates'].append(1.0)
        attrs['nodes_missing_value_tracks_true'].append(0)
        if left == -1:
            attrs['nodes_featureids'].append(0)
            attrs['nodes_values'].append(0.0)
            attrs['nodes_modes'].append('LEAF')
            attrs['nodes_truenodeids'].append(0)
            attrs['nodes_falsenodeids'].append(0)
            attrs['target_treeids'].append(tree_id)
            attrs['target_nodeids'].append(node)
            attrs['target_ids'].append(0)
            attrs['target_weights'].append(float(leaf_value(t, node)))
        else:
            attrs['nodes_featureids'].append(int(t.feature[node]))
            attrs['nodes_values'].append(float32_floor(t.threshold[node]))
            attrs['nodes_modes'].append('BRANCH_LEQ')
            attrs['nodes_truenodeids'].append(int(left))
            attrs['nodes_falsenodeids'].append(int(right))


def tree_regressor(name, inp, out, trees, leaf_value, aggregate, base=0.0):
    keys = ['nodes_treeids', 'nodes_nodeids', 'nodes_featureids', 'nodes_values', 'nodes_modes',
            'nodes_truenodeids', 'nodes_falsenodeids', 'nodes_hitrates', 'nodes_missing_value_tracks_true',
            'target_treeids', 'target_nodeids', 'target_ids', 'target_weights']
    attrs = {k: [] for k in keys}
    for i, tr in enumerate(trees):
        tree_nodes(tr, i, leaf_value, attrs)
    return helper.make_node('TreeEnsembleRegressor', [inp], [out], name=name, domain='ai.onnx.ml',
                            n_targets=1, aggregate_function=aggregate, base_values=[float(base)],
                            post_transform='NONE', **attrs)


def proba_leaf(t, node):
    v = t.value[node][0]
    return v[1] / v.sum()


def to_onnx(ens, n_features):
    f32 = lambda a: numpy_helper.from_array(np.asarray(a, dtype=np.float32))
    inits, nodes = [], []

    def const(name, arr):
        t = f32(arr)
        t.name = name
        inits.append(t)
        return name

    def i64(name, arr):
        t = numpy_helper.from_array(np.asarray(arr, dtype=np.int64))
        t.name = name
        inits.append(t)
        return name

    def node(op, ins, out, **kw):
        nodes.append(helper.make_node(op, ins, [out], name=out, **kw))
        return out

    def tree_logit(p, name):
        # log(p) - log(1 - p); 0 and 1 give -inf/+inf, which the Clip on z turns into -/+CLIP_L.
        one = const(f'{name}_one', 1.0)
        q = node('Sub', [one, p], f'{name}_q')
        return node('Sub', [node('Log', [p], f'{name}_lp'), node('Log', [q], f'{name}_lq')], f'{name}_logit')

    # Trees see raw features, as sklearn's do.
    nodes.append(tree_regressor('rf', 'features', 'rf_p', ens.rf.estimators_, proba_leaf, 'AVERAGE'))
    nodes.append(tree_regressor('dt', 'features', 'dt_p', [ens.dt], proba_leaf, 'SUM'))
    lr = ens.gb.learning_rate
    init = float(ens.gb._raw_predict_init(np.zeros((1, n_features), dtype=np.float32))[0, 0])
    nodes.append(tree_regressor('gb', 'features', 'gb_raw', [e[0] for e in ens.gb.estimators_],
                                lambda t, n: lr * t.value[n][0][0], 'SUM', base=init))
    z_rf = tree_logit('rf_p', 'rf')
    z_dt = tree_logit('dt_p', 'dt')

    # Standardize and clip for SVM, MLP and naive Bayes.
    xc = node('Sub', ['features', const('mean', ens.scaler.mean[None, :])], 'x_centered')
    xs0 = node('Div', [xc, const('scale', ens.scaler.scale[None, :])], 'x_scaled0')
    xs = node('Clip', [xs0, const('zlo', -CLIP_Z), const('zhi', CLIP_Z)], 'x_scaled')

    # SVM: RBF kernel against every support vector, written out: exp(-gamma * ||x - sv||^2).
    svm = ens.svm
    gamma = svm._gamma
    x3 = node('Unsqueeze', [xs, i64('ax1', [1])], 'svm_x3')  # [N,1,F]
    diff = node('Sub', [x3, const('svs', svm.support_vectors_[None, :, :])], 'svm_diff')  # [N,S,F]
    d2 = node('ReduceSum', [node('Mul', [diff, diff], 'svm_sq'), i64('ax2', [2])], 'svm_d2', keepdims=0)  # [N,S]
    k = node('Exp', [node('Mul', [d2, const('neg_gamma', -gamma)], 'svm_gd')], 'svm_k')
    svm_dec = node('Add', [node('MatMul', [k, const('dual', svm.dual_coef_.T)], 'svm_kd'),
                           const('svm_b', svm.intercept_.reshape(1, 1))], 'svm_raw')

    # MLP: MatMul/Add/Relu, the last layer's raw output is the log-odds.
    h = xs
    for i, (W, b) in enumerate(zip(ens.mlp.coefs_, ens.mlp.intercepts_)):
        h = node('Add', [node('MatMul', [h, const(f'mlp_w{i}', W)], f'mlp_m{i}'), const(f'mlp_b{i}', b[None, :])], f'mlp_h{i}')
        if i < len(ens.mlp.coefs_) - 1:
            h = node('Relu', [h], f'mlp_r{i}')

    # Gaussian naive Bayes log-odds, in float64: its per-feature terms are large and cancel.
    t0, t1, w0, w1, c = nb_terms(ens.nb)
    f64 = lambda name, a: (inits.append(numpy_helper.from_array(np.asarray(a, dtype=np.float64), name)), name)[1]
    xd = node('Cast', [xs], 'nb_xd', to=TensorProto.DOUBLE)
    d1 = node('Sub', [xd, f64('nb_t1', t1[None, :])], 'nb_d1')
    d0 = node('Sub', [xd, f64('nb_t0', t0[None, :])], 'nb_d0')
    q1 = node('Mul', [node('Mul', [d1, d1], 'nb_s1'), f64('nb_w1', w1[None, :])], 'nb_q1')
    q0 = node('Mul', [node('Mul', [d0, d0], 'nb_s0'), f64('nb_w0', w0[None, :])], 'nb_q0')
    qs = node('ReduceSum', [node('Add', [q1, q0], 'nb_q'), i64('ax1b', [1])], 'nb_sum', keepdims=1)
    nb_d = node('Add', [qs, f64('nb_c', np.array([[c]]))], 'nb_rawd')
    nb_raw_out = node('Cast', [nb_d], 'nb_raw', to=TensorProto.FLOAT)

    cols = [z_rf, z_dt, 'gb_raw', svm_dec, h, nb_raw_out]
    z = node('Concat', cols, 'z_raw', axis=1)
    zc = node('Clip', [z, const('llo', -CLIP_L), const('lhi', CLIP_L)], 'z')
    meta = ens.meta
    logit_out = node('Add', [node('MatMul', [zc, const('meta_w', meta.coef_.T)], 'meta_m'),
                             const('meta_b', meta.intercept_.reshape(1, 1))], 'meta_logit')
    node('Sigmoid', [logit_out], 'probability')

    graph = helper.make_graph(
        nodes, 'pywarden_stack',
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info('probability', TensorProto.FLOAT, [None, 1])],
        inits)
    model = helper.make_model(graph, producer_name='pywarden-train', producer_version='1',
                              opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('ai.onnx.ml', 3)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


# ---------------------------------------------------------------- figures

def prf(y, flagged):
    tp = int(((flagged == 1) & (y == 1)).sum())
    fp = int(((flagged == 1) & (y == 0)).sum())
    fn = int(((flagged == 0) & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {'precision': p, 'recall': r, 'f1': f, 'tp': tp, 'fp': fp, 'fn': fn,
            'benign_flagged_rate': fp / max(1, int((y == 0).sum()))}


def family_recall(y, flagged, groups):
    fams = {}
    for yi, fl, g in zip(y, flagged, groups):
        if yi == 1:
            fams[g] = fams.get(g, False) or bool(fl)
    return sum(fams.values()) / max(1, len(fams))


def block_threshold(y, s):
    """Lowest threshold that flags no benign file: just above the highest benign score."""
    top = float(s[y == 0].max())
    return float(np.nextafter(np.float32(top), np.float32(2)))


def quarantine_threshold(y, s, budget=0.02):
    b = np.sort(s[y == 0])[::-1]
    k = int(math.floor(budget * len(b)))  # at most k benign at or above the threshold
    if k >= len(b):
        return 0.0
    return float(np.nextafter(np.float32(b[k]), np.float32(2)))


def scores_figures(y, s, t_block, t_quar, groups):
    return {
        'roc_auc': float(roc_auc_score(y, s)),
        'pr_auc': float(average_precision_score(y, s)),
        'at_0.5': prf(y, (s >= 0.5).astype(int)),
        'at_block': {**prf(y, (s >= t_block).astype(int)), 'family_recall': family_recall(y, s >= t_block, groups)},
        'at_quarantine': {**prf(y, (s >= t_quar).astype(int)), 'family_recall': family_recall(y, s >= t_quar, groups)},
    }


def sweep_svg(y, s, t_block, t_quar, path):
    W, H, L, R, T, B = 720, 420, 60, 20, 30, 50
    pw, ph = W - L - R, H - T - B
    xs = np.linspace(0, 1, 201)
    rec = [float((s[y == 1] >= t).mean()) for t in xs]
    fpr = [float((s[y == 0] >= t).mean()) for t in xs]
    prec = []
    for t in xs:
        tp = (s[y == 1] >= t).sum()
        fp = (s[y == 0] >= t).sum()
        prec.append(float(tp / (tp + fp)) if tp + fp else 1.0)
    X = lambda v: L + v * pw
    Y = lambda v: T + (1 - v) * ph
    poly = lambda vals: ' '.join(f'{X(a):.1f},{Y(b):.1f}' for a, b in zip(xs, vals))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">Stacked model: threshold sweep (grouped 5-fold out-of-fold scores, dev corpus)</text>']
    for v in np.linspace(0, 1, 6):
        out.append(f'<line x1="{X(0)}" x2="{X(1)}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
        out.append(f'<line x1="{X(v):.1f}" x2="{X(v):.1f}" y1="{Y(0)}" y2="{Y(0) + 5}" stroke="#333"/>')
        out.append(f'<text x="{X(v):.1f}" y="{Y(0) + 18}" text-anchor="middle">{v:.1f}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{L + pw / 2}" y="{H - 10}" text-anchor="middle">threshold on the stacked probability</text>')
    for vals, color, label, i in [(rec, '#c0392b', 'malicious recall', 0), (prec, '#2c3e50', 'precision', 1),
                                  (fpr, '#27ae60', 'benign flagged (false-positive rate)', 2)]:
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{poly(vals)}"/>')
        out.append(f'<line x1="{L + 10}" x2="{L + 30}" y1="{T + ph - 60 + 16 * i}" y2="{T + ph - 60 + 16 * i}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{L + 36}" y="{T + ph - 56 + 16 * i}">{label}</text>')
    for t, name, color in [(t_quar, 'quarantine', '#e67e22'), (t_block, 'block', '#8e44ad')]:
        out.append(f'<line x1="{X(t):.1f}" x2="{X(t):.1f}" y1="{T}" y2="{Y(0)}" stroke="{color}" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{X(t) - 4:.1f}" y="{T + 14 + (0 if name == "block" else 14)}" text-anchor="end" fill="{color}">{name} {t:.3f}</text>')
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--features', required=True)
    ap.add_argument('--model', required=True)
    ap.add_argument('--report', required=True)
    ap.add_argument('--svg', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--scores', required=True, help='all rows with final-model numpy scores, for verify.mjs')
    ap.add_argument('--oof', required=True, help='per-file out-of-fold scores, for the card')
    ap.add_argument('--folds', type=int, default=5)
    args = ap.parse_args()

    started = time.time()
    specs, rows, X, y, groups = load(args.features)
    log(f'{len(y)} files, {int(y.sum())} malicious, {len(set(groups))} families, {X.shape[1]} features')

    # Outer grouped CV: out-of-fold scores for every learner and the stack.
    oof = {k: np.zeros(len(y)) for k in LEARNERS + ['stack']}
    outer = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=SEED)
    for i, (tr, te) in enumerate(outer.split(X, y, groups)):
        assert not set(groups[tr]) & set(groups[te])
        ens = fit_stack(X[tr], y[tr], groups[tr])
        z = ens.base_z(X[te])
        for j, k in enumerate(LEARNERS):
            oof[k][te] = 1 / (1 + np.exp(-z[:, j]))
        oof['stack'][te] = ens.meta.predict_proba(z)[:, 1]
        log(f'outer fold {i + 1}/{args.folds} done ({time.time() - started:.0f} s)')

    s = oof['stack']
    with open(args.oof, 'w') as f:
        json.dump([{'sha256': r['sha256'], 'filename': r['filename'], 'label': r['label'], 'family': r['family'],
                    'kind': r['kind'], 'popular': bool(r.get('popular')),
                    **{k: float(oof[k][i]) for k in oof}} for i, r in enumerate(rows)], f)
    t_block = block_threshold(y, s)
    t_quar = min(quarantine_threshold(y, s), t_block)
    figures = {}
    for k in LEARNERS + ['stack']:
        tb, tq = (t_block, t_quar) if k == 'stack' else (block_threshold(y, oof[k]), quarantine_threshold(y, oof[k]))
        figures[k] = {'name': LEARNER_NAMES[k], 'block_threshold': tb, 'quarantine_threshold': tq,
                      **scores_figures(y, oof[k], tb, tq, groups)}
    log('stacked at block threshold', json.dumps(figures['stack']['at_block']))

    # Final model on all data.
    final = fit_stack(X, y, groups)
    model = to_onnx(final, X.shape[1])
    os.makedirs(os.path.dirname(args.model), exist_ok=True)
    onnx.save(model, args.model)
    data = open(args.model, 'rb').read()
    sha = hashlib.sha256(data).hexdigest()
    with open(args.model + '.sha256', 'w') as f:
        f.write(f'{sha}  {os.path.basename(args.model)}\n')
    final_scores = final.predict(X)

    # Fixtures: a few real feature vectors of each kind with the final model's score.
    rng = np.random.RandomState(SEED)
    pick = []
    for label in (0, 1):
        idx = np.where(y == label)[0]
        pick += list(rng.choice(idx, 4, replace=False))
    pick += [int(np.argmin(np.abs(final_scores - 0.5)))]
    fixtures = [{'filename': rows[i]['filename'], 'label': rows[i]['label'], 'x': X[i].tolist(),
                 'score': float(final_scores[i])} for i in pick]
    os.makedirs(os.path.dirname(args.fixtures), exist_ok=True)
    with open(args.fixtures, 'w') as f:
        json.dump({'model_sha256': sha, 'features': len(specs), 'tolerance': 1e-4, 'cases': fixtures}, f, indent=1)
        f.write('\n')
    with open(args.scores, 'w') as f:
        json.dump({'x': X.tolist(), 'score': final_scores.tolist()}, f)

    # Combined with the rules, when the feature file carries their verdicts.
    sweep_svg(y, s, t_block, t_quar, args.svg)
    kinds = {}
    for r in rows:
        key = f"{r['label']}/{r['kind']}"
        kinds[key] = kinds.get(key, 0) + 1
    report = {
        'model': os.path.basename(args.model), 'sha256': sha, 'bytes': len(data),
        'n_features': len(specs), 'features': specs,
        'data': {'files': len(y), 'malicious': int(y.sum()), 'benign': int((y == 0).sum()),
                 'families_malicious': len(set(groups[y == 1])), 'families_benign': len(set(groups[y == 0])),
                 'by_label_kind': kinds},
        'protocol': {'outer_folds': args.folds, 'inner_folds': 3, 'seed': SEED, 'grouped_by': 'family'},
        'thresholds': {'block': t_block, 'quarantine': t_quar},
        'learners': figures,
        'seconds': round(time.time() - started, 1),
    }
    with open(args.report, 'w') as f:
        json.dump(report, f, indent=1)
    log(f'model {len(data)} bytes sha256 {sha[:16]}; {time.time() - started:.0f} s')


if __name__ == '__main__':
    main()
