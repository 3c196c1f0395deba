//! The CPU backend's values edited in place: how the fast GELU and softmax (`gelu.rs`,
//! `fast_softmax.rs`) reach a plain Flex tensor's buffer. Autodiff and GPU tensors, and any view
//! that is not contiguous f32, are handed back for burn's own operation.

use burn::tensor::Tensor;

/// Runs `edit` on the values of `x` (row-major) and returns the edited tensor, or `Err(x)`
/// untouched when `x` is not a plain contiguous f32 Flex tensor.
#[cfg(feature = "flex")]
pub fn edit_flex_values<const D: usize>(x: Tensor<D>, edit: impl FnOnce(&mut [f32])) -> Result<Tensor<D>, Tensor<D>> {
    use burn::backend::Flex;
    if let Ok(mut t) = x.clone().try_into_primitive::<Flex>() {
        if t.is_contiguous() && t.dtype() == burn::tensor::DType::F32 {
            drop(x);
            let n = t.layout().num_elements();
            let start = t.layout().start_offset();
            // Copy-on-write: a shared buffer is copied once, a unique one is updated in place.
            edit(&mut t.storage_mut::<f32>()[start..start + n]);
            return Ok(Tensor::from_primitive::<Flex>(t));
        }
    }
    Err(x)
}

/// Without the CPU backend there is no Flex tensor: every tensor is handed back.
#[cfg(not(feature = "flex"))]
pub fn edit_flex_values<const D: usize>(x: Tensor<D>, _edit: impl FnOnce(&mut [f32])) -> Result<Tensor<D>, Tensor<D>> {
    Err(x)
}
