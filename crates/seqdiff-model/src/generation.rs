//! A generation read back to the host, and how its one flat readback is laid out. Free of burn: the
//! page's UI module receives it from the inference worker.

/// A generation read back to the host (serialisable: the page's inference worker sends it to the UI).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenerationResult {
    pub users: usize,
    pub rows: usize,
    pub dim: usize,
    pub steps: usize,
    /// [U][N+1]
    pub scores: Vec<Vec<f32>>,
    /// [R][d]
    pub final_x0: Vec<Vec<f32>>,
    /// [S][R'][d], R' ≤ R (see `Generation::keep_trajectory_rows`)
    pub trajectory: Vec<Vec<Vec<f32>>>,
    /// ([R][d], [R][d])
    pub endpoints: Option<(Vec<Vec<f32>>, Vec<Vec<f32>>)>,
}

#[derive(Clone, Copy, Debug)]
pub struct PackedLayout {
    pub users: usize,
    pub rows: usize,
    pub dim: usize,
    pub items: usize,
    pub steps: usize,
    /// Rows per trajectory step (all R, or fewer when trimmed).
    pub trajectory_rows: usize,
    pub endpoints: bool,
}

impl PackedLayout {
    pub fn unpack(&self, flat: &[f32]) -> GenerationResult {
        let mut at = 0;
        let mut take = |len: usize| {
            let part = &flat[at..at + len];
            at += len;
            part
        };
        let rows_of = |part: &[f32], width: usize| part.chunks(width).map(<[f32]>::to_vec).collect::<Vec<_>>();
        let scores = rows_of(take(self.users * self.items), self.items);
        let final_x0 = rows_of(take(self.rows * self.dim), self.dim);
        let trajectory = (0..self.steps).map(|_| rows_of(take(self.trajectory_rows * self.dim), self.dim)).collect();
        let endpoints = self.endpoints.then(|| {
            let c = rows_of(take(self.rows * self.dim), self.dim);
            (c, rows_of(take(self.rows * self.dim), self.dim))
        });
        GenerationResult {
            users: self.users,
            rows: self.rows,
            dim: self.dim,
            steps: self.steps,
            scores,
            final_x0,
            trajectory,
            endpoints,
        }
    }
}

impl GenerationResult {
    /// One history's request from two parts of its seeds, computed apart (`Recommender::
    /// generate_seed_rows`): this part's rows, then `rest`'s. The scores are the mean over all seeds
    /// (each part's mean weighted by its rows), the trajectory is this part's (its first seed's).
    pub fn join_seeds(mut self, rest: GenerationResult) -> Result<GenerationResult, String> {
        let fits = self.users == 1
            && rest.users == 1
            && self.dim == rest.dim
            && self.steps == rest.steps
            && self.scores.first().map(Vec::len) == rest.scores.first().map(Vec::len)
            && self.endpoints.is_some() == rest.endpoints.is_some();
        if !fits {
            return Err("the two parts of a request's seeds do not fit together".into());
        }
        let rows = self.rows + rest.rows;
        let (mine, theirs) = (self.rows as f32 / rows as f32, rest.rows as f32 / rows as f32);
        for (score, other) in self.scores[0].iter_mut().zip(&rest.scores[0]) {
            *score = *score * mine + other * theirs;
        }
        self.final_x0.extend(rest.final_x0);
        if let (Some((cond, uncond)), Some((rest_cond, rest_uncond))) = (self.endpoints.as_mut(), rest.endpoints) {
            cond.extend(rest_cond);
            uncond.extend(rest_uncond);
        }
        self.rows = rows;
        Ok(self)
    }
}
